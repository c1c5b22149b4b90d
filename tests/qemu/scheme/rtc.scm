; rtc.scm -- (current-second) from the machine's real-time clock: tests/qemu/scheme.sh rtc boots
; with -rtc base=2024-02-29T23:59:30 (UTC; a leap day, seconds before midnight), which the
; kernel read at boot (x86: the CMOS clock's BCD registers; ARM virt: the PL031's count) and
; counts on from with the cycle counter. 1709251170 is that moment in POSIX seconds; the boot
; takes seconds, so the clock must read within 5 minutes after it.
(define base 1709251170)
(define s (current-second))
(display (list (inexact? s) (<= base s) (< s (+ base 300))))
(newline)
; between two readings: the sleep, as the jiffies count it
(define j0 (current-jiffy))
(define s0 (current-second))
(sleep 300)
(define d (- (current-second) s0))
(define dj (/ (- (current-jiffy) j0) (jiffies-per-second)))
(display (list (>= d 0.29) (< (abs (- d dj)) 0.01)))
(newline)
