// Package apitest is the support shared by the tests that talk to the
// powercheck API over HTTP: the end-to-end tests of cmd/powercheck and the
// HTTP tests of internal/httpapi. It holds the client of a served API
// (Server, Response, Browser), the check of every exchange against the
// published OpenAPI description (ContractTransport, WatchContract), and the
// test district: its departments, accounts, items and steps
// (SetupDistrict, Step, FirstStep).
//
// Only tests import it; it is an ordinary package so that the test suites
// of several packages share one copy.
package apitest
