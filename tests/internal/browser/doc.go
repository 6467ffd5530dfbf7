// Package browser drives a headless Chromium for the end-to-end tests and the notebook
// screenshots, over the Chrome DevTools Protocol on Chromium's --remote-debugging-pipe.
//
// The pipe (file descriptors 3 and 4 of the browser, NUL-separated JSON messages) needs no
// port, no WebSocket and no third-party module, and the browser cannot outlive the pipe's
// owner by accident. Only the handful of commands the tests use are wrapped: open a page,
// navigate, evaluate JavaScript, wait for a condition, take a screenshot.
//
// Chromium is started with the flags that work on machines without network access
// (--disable-background-networking and friends) and a fresh profile directory, removed by
// [Browser.Close] together with every process the browser started.
package browser
