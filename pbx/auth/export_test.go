package auth

// ParseCredentialsForTest exposes parseCredentials to the fuzz test.
var ParseCredentialsForTest = parseCredentials
