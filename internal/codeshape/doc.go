// Package codeshape checks the shape of the module's Go code: no file over
// 400 lines, and no function over 80 lines unless its comment says why it
// reads better whole. Its test walks the module's source.
package codeshape
