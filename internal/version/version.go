// Package version holds the mspsync release version, shared by the root
// package and the HTTP engine's User-Agent.
package version

// Version is the mspsync release this tree builds.
const Version = "0.1.0"
