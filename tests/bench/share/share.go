// share.go -- the cost per message of sending a freshly built 10-element list (a slice) to a
// goroutine that reads it, with GOMAXPROCS=2 (issue 13, share.csv): Go's side of the comparison
// with our channel-send of a fresh list to a thread on another CPU (share.scm).
// Prints "go,<ns per message>".
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"
)

func main() {
	n := 200000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	runtime.GOMAXPROCS(2)
	ch := make(chan []int)
	done := make(chan int)
	go func() {
		s := 0
		for i := 0; i < n; i++ {
			m := <-ch
			s += m[0]
		}
		done <- s
	}()
	t0 := time.Now()
	for i := 0; i < n; i++ {
		ch <- []int{i, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	}
	s := <-done
	dt := time.Since(t0)
	if s != n*(n-1)/2 {
		fmt.Fprintln(os.Stderr, "share.go: wrong sum", s)
		os.Exit(1)
	}
	fmt.Printf("go,%d\n", dt.Nanoseconds()/int64(n))
}
