#!/bin/sh
# gen_prelude.sh -- embed lisp/prelude.scm into lisp/prelude.c as a C string (comment lines and
# blank lines dropped). Run after editing prelude.scm; tests/scheme/run.sh checks it is current.
set -e
cd "$(dirname "$0")"
{
	echo '/* prelude.c -- GENERATED from prelude.scm by gen_prelude.sh: do not edit. The Scheme part'
	echo ' * of the library, compiled by lisp_init into every interpreter. */'
	echo '#include "internal.h"'
	echo
	echo 'const char lisp_prelude[] ='
	grep -v '^[[:space:]]*;' prelude.scm | grep -v '^[[:space:]]*$' |
		sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$/\\n"/'
	echo ';'
} > prelude.c.tmp
mv prelude.c.tmp prelude.c
