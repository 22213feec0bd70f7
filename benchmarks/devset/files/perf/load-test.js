import http from 'k6/http';

const TOKEN = __ENV.LOAD_TEST_TOKEN;
export default function () {
  http.get('https://staging.acme.example/api/orders', { headers: { Authorization: 'Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6ImE0Mzk3ODczIiwidHlwIjoiSldUIn0.eyJzdWIiOiJsb2FkLXRlc3QiLCJzY29wZSI6Im9yZGVyczpyZWFkIn0.G-7V_cuI9a3MlK0vcgXPUKE5i0HHicjaSOEj0ovBX-g-093hoeLQxdPQ8JqndXDzeWhEPM28cA5hcya9y9Bqww' } });
  http.get('https://staging.acme.example/api/me', { headers: { Authorization: `Bearer ${TOKEN}` } });
}
