// Prints, as one JSON line, the credentials and host Go's net/http takes from the environment's
// HTTPS_PROXY for an https request (http.ProxyFromEnvironment, which reads the environment
// once per process: run it once per value), or that it refused the value.
package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
)

type answer struct {
	Error    bool   `json:"error"`
	User     string `json:"user"`
	Password string `json:"password"`
	HasPass  bool   `json:"has_password"`
	Host     string `json:"host"`
}

func main() {
	var a answer
	target, _ := url.Parse("https://example.com/")
	proxy, err := http.ProxyFromEnvironment(&http.Request{URL: target})
	switch {
	case err != nil:
		a.Error = true // its message quotes the value, password included: not printed
	case proxy != nil:
		a.Host = proxy.Host
		if proxy.User != nil {
			a.User = proxy.User.Username()
			a.Password, a.HasPass = proxy.User.Password()
		}
	}
	json.NewEncoder(os.Stdout).Encode(a)
}
