; tags: torture
; The end of input right after a datum comment (#;) is an error that says so, not a missing ")"
; (the other ends of input, in every kind of datum, are in read-ports.scm).
(display "before") (newline)
#;
