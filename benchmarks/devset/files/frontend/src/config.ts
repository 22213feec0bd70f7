export const API_BASE = 'https://api.acme-retail.example/v2';
export const analyticsKey = process.env.NEXT_PUBLIC_ANALYTICS_KEY ?? '';
const ADMIN_GRAFANA_TOKEN = 'glsa_BpU0kiPNRcPQ6Z1vecamYseVXJAcbC3g_5aa831ec';
export const TENANT_ID = '83330462-12d3-4141-b689-c170b6f7c016';
export const PASSWORD_MIN_LENGTH = 12;
