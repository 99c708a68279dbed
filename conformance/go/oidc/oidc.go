// Package oidc gets access tokens from the identity provider's standard OpenID Connect endpoints:
// the token endpoint is discovered from the issuer, as docs/security.md says clients do.
package oidc

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// renewBefore is how long before its expiry a token is replaced, so a record never leaves with a
// token that expires on the way.
const renewBefore = 30 * time.Second

// TokenSource hands out a valid access token, fetching a new one when needed. Safe for concurrent use.
type TokenSource struct {
	issuer string
	form   url.Values
	http   *http.Client

	mu        sync.Mutex
	endpoint  string
	token     string
	expiresAt time.Time
}

// ClientCredentials is a channel's or system's own confidential client (e.g. web-shop).
func ClientCredentials(issuer, clientID, secret string) *TokenSource {
	return newSource(issuer, url.Values{
		"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret},
	})
}

// Password is a person logging in with the password grant on a public client (e.g. csr-cli).
func Password(issuer, clientID, username, password string) *TokenSource {
	return newSource(issuer, url.Values{
		"grant_type": {"password"}, "client_id": {clientID}, "username": {username}, "password": {password},
	})
}

func newSource(issuer string, form url.Values) *TokenSource {
	return &TokenSource{issuer: strings.TrimRight(issuer, "/"), form: form, http: &http.Client{Timeout: 20 * time.Second}}
}

// Token returns the current access token, renewed when it is about to expire.
func (s *TokenSource) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && time.Now().Before(s.expiresAt.Add(-renewBefore)) {
		return s.token, nil
	}
	if s.endpoint == "" {
		endpoint, err := s.discover(ctx)
		if err != nil {
			return "", err
		}
		s.endpoint = endpoint
	}
	return s.fetch(ctx)
}

func (s *TokenSource) discover(ctx context.Context) (string, error) {
	var config struct {
		Issuer        string `json:"issuer"`
		TokenEndpoint string `json:"token_endpoint"`
	}
	if err := s.getJSON(ctx, s.issuer+"/.well-known/openid-configuration", &config); err != nil {
		return "", fmt.Errorf("discovering the token endpoint: %w", err)
	}
	// The services check that the discovered issuer is the configured one; so does a client.
	if config.Issuer != s.issuer || config.TokenEndpoint == "" {
		return "", fmt.Errorf("issuer %q announces %q and token endpoint %q", s.issuer, config.Issuer, config.TokenEndpoint)
	}
	return config.TokenEndpoint, nil
}

func (s *TokenSource) fetch(ctx context.Context) (string, error) {
	request, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, strings.NewReader(s.form.Encode()))
	if err != nil {
		return "", err
	}
	request.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var answer struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := s.do(request, &answer); err != nil {
		// The error names the grant and client, never the secret or password.
		return "", fmt.Errorf("%s grant for %s: %w", s.form.Get("grant_type"), s.form.Get("client_id"), err)
	}
	s.token = answer.AccessToken
	s.expiresAt = time.Now().Add(time.Duration(answer.ExpiresIn) * time.Second)
	return s.token, nil
}

func (s *TokenSource) getJSON(ctx context.Context, address string, into any) error {
	request, err := http.NewRequestWithContext(ctx, http.MethodGet, address, nil)
	if err != nil {
		return err
	}
	return s.do(request, into)
}

func (s *TokenSource) do(request *http.Request, into any) error {
	response, err := s.http.Do(request)
	if err != nil {
		return err
	}
	defer response.Body.Close()
	body, err := io.ReadAll(io.LimitReader(response.Body, 1<<20))
	if err != nil {
		return err
	}
	if response.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d from %s", response.StatusCode, request.URL.Path)
	}
	return json.Unmarshal(body, into)
}
