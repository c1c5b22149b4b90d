; rtl8139.scm -- the RTL8139 driven from Scheme alone (boot option net=off keeps the C driver
; away): find the card with (pci-devices), turn on bus mastering, reset it, give it a receive
; ring and a transmit buffer from (dma-alloc), send an ARP request for the gateway 10.0.2.2 and
; print the MAC in the reply, sleeping in (irq-wait) for the card's interrupts. Under QEMU's
; user network (restrict=on) slirp answers the ARP itself: nothing leaves the machine.
; tests/qemu/net.sh scheme-driver runs it; the C driver is net/rtl8139.c.

; no bitwise operations in the interpreter yet: single bits by arithmetic
(define (bit? x b) (odd? (quotient x b)))     ; b a power of two
(define (with-bit x b) (if (bit? x b) x (+ x b)))

(define (find-card)
  (let loop ((ds (pci-devices)))
    (cond ((null? ds) (error "rtl8139.scm: no RTL8139 on the PCI bus"))
          ((and (= (list-ref (car ds) 3) #x10ec) (= (list-ref (car ds) 4) #x8139)) (car ds))
          (else (loop (cdr ds))))))

(define card (find-card))
(define (cfg-read reg) (pci-config-read32 (car card) (cadr card) (caddr card) reg))
(define (cfg-write reg v) (pci-config-write32 (car card) (cadr card) (caddr card) reg v))
(define io (- (cfg-read #x10) 1))             ; BAR0: an I/O port range (bit 0 set)
(define irq (modulo (cfg-read #x3c) 256))     ; interrupt line
(cfg-write #x04 (with-bit (with-bit (modulo (cfg-read #x04) 65536) 1) 4))  ; I/O space, bus master

; registers (net/rtl8139.c has the commented map)
(define IDR0 0) (define TSD0 #x10) (define TSAD0 #x20) (define RBSTART #x30) (define CR #x37)
(define CAPR #x38) (define IMR #x3c) (define ISR #x3e) (define RCR #x44) (define CONFIG1 #x52)
(define ROK 1) (define TOK 4)

(out8 (+ io CONFIG1) 0)                       ; power on
(out8 (+ io CR) #x10)                         ; software reset, bounded wait
(let loop ((n 0))
  (cond ((not (bit? (in8 (+ io CR)) #x10)) 'done)
        ((> n 100) (error "rtl8139.scm: reset did not finish"))
        (else (sleep 1) (loop (+ n 1)))))
(define mac (let ((b (make-bytevector 6 0)))
              (do ((i 0 (+ i 1))) ((= i 6) b) (bytevector-u8-set! b i (in8 (+ io IDR0 i))))))

(define ring (dma-alloc (+ (* 9 8192) 16)))   ; never moves, never freed; QEMU may store a
                                              ; jumbo frame up to 64 KiB past the 8K ring (docs/net.md)
(define tx (dma-alloc 2048))
(out32 (+ io RBSTART) (dma-address ring))
(out32 (+ io TSAD0) (dma-address tx))
(out16 (+ io IMR) (+ ROK TOK))
(out8 (+ io CR) #x0c)                         ; receiver and transmitter on
(out32 (+ io RCR) (+ 2 8 (* 7 256) (* 7 8192)))  ; ours and broadcast, 8K ring, whole frames
(out16 (+ io CAPR) (- 65536 16))

; the ARP request: who has 10.0.2.2? tell 10.0.2.15
(define req (bytevector-append (make-bytevector 6 255) mac (bytevector 8 6 0 1 8 0 6 4 0 1)
                               mac (bytevector 10 0 2 15) (make-bytevector 6 0)
                               (bytevector 10 0 2 2) (make-bytevector 18 0)))
(bytevector-copy! tx 0 req)
(out32 (+ io TSD0) (bytevector-length req))   ; hands the buffer to the card

; serve interrupts until the reply is in the ring (each wait bounded)
(define (serve tries sent received)
  (if (or (= tries 0) received)
      received
      (let* ((fired (irq-wait irq 2000))
             (isr (in16 (+ io ISR))))
        (out16 (+ io ISR) isr)                ; write 1 to clear, before the next irq-wait
        (serve (- tries 1) (or sent (bit? isr TOK)) (and fired (bit? isr ROK))))))
(define got (serve 10 #f #f))

; the first frame of the ring: status, length, then the frame
(define (u8 i) (bytevector-u8-ref ring i))
(define (hex b) (string-append (if (< b 16) "0" "") (number->string b 16)))
(if (and got (bit? (u8 0) 1) (= (u8 (+ 4 12)) 8) (= (u8 (+ 4 13)) 6) (= (u8 (+ 4 21)) 2))
    (begin
      (display "rtl8139.scm: 10.0.2.2 is at ")
      (do ((i 22 (+ i 1))) ((= i 28))
        (display (hex (u8 (+ 4 i))))
        (if (< i 27) (display ":")))
      (newline))
    (begin (display "rtl8139.scm: no ARP reply") (newline)))
