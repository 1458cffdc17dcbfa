// Prints, for each URL argument, the proxy Go's net/http picks from the environment
// (http.ProxyFromEnvironment), or DIRECT. The environment is read once per process.
package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
)

func main() {
	for _, arg := range os.Args[1:] {
		u, err := url.Parse(arg)
		if err != nil {
			fmt.Println("ERROR", err)
			continue
		}
		proxy, err := http.ProxyFromEnvironment(&http.Request{URL: u})
		switch {
		case err != nil:
			fmt.Println("ERROR", err)
		case proxy == nil:
			fmt.Println("DIRECT")
		default:
			fmt.Println(proxy.Host)
		}
	}
}
