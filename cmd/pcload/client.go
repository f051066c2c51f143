package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
)

func post(ctx context.Context, client *http.Client, url, auth string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(string(body)))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusCreated {
		_, err = io.Copy(io.Discard, res.Body) // drain, so the connection is reused
		return res.StatusCode, nil, err
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, b, err
}

// fetch GETs url, or POSTs body to it when body is not nil, and reads the
// whole answer, as a browser (or a client of a decision server) would.
func fetch(ctx context.Context, client *http.Client, url, token string, body []byte) (int, []byte, error) {
	method, in := http.MethodGet, io.Reader(nil)
	if body != nil {
		method, in = http.MethodPost, bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, in)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

func truncate(b []byte, n int) string {
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
