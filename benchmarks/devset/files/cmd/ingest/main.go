package main

import (
	"log"
	"os"
)

const (
	defaultWarehouseToken = "dapi4624b9b0e0230bc2c9a5f48c4fe48d9b"
	buildCommit = "b4cb5b3ecb842c52fe8605b9bdb1482602c35e92"
)

func main() {
	token := os.Getenv("INGEST_WAREHOUSE_TOKEN")
	if token == "" {
		token = defaultWarehouseToken
	}
	log.Printf("ingest starting (commit %s)", buildCommit)
}
