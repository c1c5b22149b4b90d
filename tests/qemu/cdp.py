"""cdp.py -- a small Chrome DevTools Protocol client for the tests, Python's standard library
only: headless Chromium on --remote-debugging-pipe (JSON messages ended by a NUL byte, ours on
its fd 3, its own on fd 4), one page attached as a flat session ($CHROMIUM names another
binary). Every wait is bounded; failures raise net_sockets.Fail. Chromium may reach 127.0.0.1
alone (docs/net.md, "Safety rule"): the background services that call home are off where a flag
turns them off, no name but 127.0.0.1 resolves, and anything else goes to a proxy on a loopback
port that refuses (Chromium 156 still asks accounts.google.com and update.googleapis.com at
start: its net log shows both sent to that proxy and refused)."""
import base64
import fcntl
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from net_sockets import Fail


def find_chromium():
    """$CHROMIUM, else Debian's binary itself, not /usr/bin/chromium: that wrapper adds flags of
    its own (--enable-remote-extensions among them) and exports Google API keys."""
    for p in (os.environ.get("CHROMIUM", ""), "/usr/lib/chromium/chromium"):
        if p and os.access(p, os.X_OK):
            return p
    for n in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(n):
            return shutil.which(n)
    return None


class Browser:
    def __init__(self, exe, width, height):
        self.profile = tempfile.mkdtemp(prefix="cdp-")
        self.errf = tempfile.TemporaryFile()
        self.sink = socket.socket()	# bound, never listening: connections to it are refused
        self.sink.bind(("127.0.0.1", 0))
        sink = "127.0.0.1:%d" % self.sink.getsockname()[1]
        to_r, to_w = os.pipe()
        from_r, from_w = os.pipe()
        # the child's ends above fd 4, so that dup2 onto 3 and 4 overwrites neither
        child = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_r, from_w)]
        os.close(to_r)
        os.close(from_w)
        cmd = [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
               "--user-data-dir=" + self.profile, "--window-size=%d,%d" % (width, height),
               "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-default-apps",
               "--disable-extensions", "--no-pings", "--disable-domain-reliability",
               "--disable-breakpad", "--disable-client-side-phishing-detection",
               "--metrics-recording-only", "--disable-dev-shm-usage",
               "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,"
               "DnsOverHttps,NetworkTimeServiceQuerying",
               "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
               "--proxy-server=" + sink, "--proxy-bypass-list=127.0.0.1", "about:blank"]

        def fds():
            os.dup2(child[0], 3)
            os.dup2(child[1], 4)
        try:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.errf, stderr=self.errf,
                                         pass_fds=(3, 4), preexec_fn=fds, start_new_session=True)
        except OSError:
            for fd in (to_w, from_r):
                os.close(fd)
            self.sink.close()
            shutil.rmtree(self.profile, ignore_errors=True)
            raise
        finally:
            for fd in child:
                os.close(fd)
        self.wfd, self.rfd = to_w, from_r
        self.buf, self.next_id = b"", 0

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        try:
            os.write(self.wfd, json.dumps(msg).encode() + b"\0")
        except BrokenPipeError:
            raise Fail("chromium has gone (exit status %s)" % self.proc.poll())
        return self.next_id

    def recv(self, deadline):
        """The next message, or Fail at the deadline or when Chromium has gone."""
        while b"\0" not in self.buf:
            left = deadline - time.time()
            if left <= 0 or not select.select([self.rfd], [], [], left)[0]:
                raise Fail("chromium: no answer in time")
            b = os.read(self.rfd, 1 << 20)
            if not b:
                raise Fail("chromium closed its pipe (exit status %s)" % self.proc.poll())
            self.buf += b
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None, timeout=60):
        """A command's result (the events before it are dropped: the tests poll the page)."""
        mid = self.send(method, params, session)
        deadline = time.time() + timeout
        while True:
            m = self.recv(deadline)
            if m.get("id") == mid:
                if "error" in m:
                    raise Fail("chromium: %s: %s" % (method, m["error"]))
                return m.get("result", {})

    def page(self, width, height):
        return Page(self, width, height)

    def stderr_tail(self, n=2000):
        self.errf.seek(0)
        lines = self.errf.read().decode(errors="replace").splitlines()
        return "\n".join(l for l in lines if "dbus" not in l)[-n:]	# no D-Bus here: noise

    def close(self):
        """Chromium and its helpers killed (its own process group), its profile removed."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(30)
        for fd in (self.wfd, self.rfd):
            os.close(fd)
        self.sink.close()
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    """A new tab at width x height CSS pixels, addressed through its flat session."""
    def __init__(self, browser, width, height):
        self.b = browser
        tid = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.call("Target.attachToTarget", {"targetId": tid, "flatten": True})["sessionId"]
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def call(self, method, params=None, timeout=60):
        return self.b.call(method, params, self.session, timeout)

    def navigate(self, url, timeout=120):
        """url loaded (its load event past), within timeout s."""
        r = self.call("Page.navigate", {"url": url}, timeout)
        if r.get("errorText"):
            raise Fail("chromium: %s: %s" % (url, r["errorText"]))
        self.poll("document.readyState === 'complete' && location.href === %s" % json.dumps(url), timeout,
                  "chromium: %s loaded" % url)

    def eval(self, expr, timeout=60):
        """expr's value (JSON-able; a promise is awaited)."""
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True},
                      timeout)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise Fail("chromium: %s: %s" % (expr[:80], d.get("exception", {}).get("description", d.get("text"))))
        return r["result"].get("value")

    def poll(self, expr, timeout, what):
        """expr's first truthy value, evaluated every 0.25 s; Fail naming what after timeout s."""
        end = time.time() + timeout
        while True:
            v = self.eval(expr)
            if v:
                return v
            if time.time() > end:
                raise Fail("%s: not within %d s" % (what, timeout))
            time.sleep(0.25)

    def click(self, expr, what):
        """A real click (mouse moved, pressed, released) at the centre of the element expr finds,
        scrolled into view; it must be the element on top there."""
        xy = self.eval("(() => { const e = %s; if (!e) return null; e.scrollIntoView({block: 'center'});"
                       " const r = e.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;"
                       " const t = document.elementFromPoint(x, y);"
                       " return t && (t === e || e.contains(t)) ? [x, y] : null; })()" % expr)
        if not xy:
            raise Fail("chromium: nothing to click for %s" % what)
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": xy[0], "y": xy[1], "button": "left",
                                                   "clickCount": 0 if kind == "mouseMoved" else 1})

    def type(self, text):
        self.call("Input.insertText", {"text": text})

    def enter(self):
        """Enter pressed and released (the keyDown's text submits a form)."""
        key = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}
        self.call("Input.dispatchKeyEvent", dict(key, type="keyDown", text="\r"))
        self.call("Input.dispatchKeyEvent", dict(key, type="keyUp"))

    def screenshot(self):
        return base64.b64decode(self.call("Page.captureScreenshot", {"format": "png"})["data"])
