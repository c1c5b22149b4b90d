#!/bin/sh
# gen_builtin.sh -- embed the Scheme libraries that (load-builtin name) defines into
# lisp/builtin_src.c as C strings: inspector.scm (comment and blank lines dropped, as
# gen_prelude.sh does), then inspector.html as the string inspector-page. Run after editing
# them (make does when they change); tests/scheme/run.sh checks the file is current.
set -e
cd "$(dirname "$0")"
cstring() {	# stdin as the lines of a C string literal
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$/\\n"/'
}
{
	echo '/* builtin_src.c -- GENERATED from inspector.scm and inspector.html by gen_builtin.sh: do not'
	echo ' * edit. The libraries (load-builtin name) evaluates (sys.c, %builtin-source). */'
	echo '#include "internal.h"'
	echo
	echo 'const char lisp_builtin_inspector[] ='
	{
		grep -v '^[[:space:]]*;' inspector.scm | grep -v '^[[:space:]]*$'
		printf '(define inspector-page "'
		sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' inspector.html
		echo '")'
	} | cstring
	echo ';'
} > builtin_src.c.tmp
mv builtin_src.c.tmp builtin_src.c
