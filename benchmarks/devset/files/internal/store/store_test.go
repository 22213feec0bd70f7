package store

import "testing"

func TestOpen(t *testing.T) {
	dsn := "postgres://test:test@localhost:5432/test?sslmode=disable"
	fake := "postgres://user:password@localhost/db"
	if _, err := Open(dsn); err != nil {
		t.Fatal(err)
	}
}
