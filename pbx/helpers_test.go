package pbx_test

import (
	"io"
	"net/http"
)

type httpGetter struct{}

func (httpGetter) get(url string) (string, error) {
	res, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return string(b), err
}
