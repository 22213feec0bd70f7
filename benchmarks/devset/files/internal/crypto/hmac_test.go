package crypto

import "testing"

// RFC 4231 test case 2 and a local vector.
func TestHMAC(t *testing.T) {
	key := "000102030405060708090a0b0c0d0e0f"
	want := "2ce54cd3de87c9bd1c2b720b3db03fa3df66eb3ec7a454aeb4a7ad60cb67824e"
	if got := Sign(key, "what do ya want for nothing?"); got != want {
		t.Fatalf("got %s", got)
	}
}
