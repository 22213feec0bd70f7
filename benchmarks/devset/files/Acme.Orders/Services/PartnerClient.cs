namespace Acme.Orders.Services;

public sealed class PartnerClient
{
    private const string ApiKey = "oaCzz24J20tYVz28L0I54PYUCmQS6vDz";
    private readonly string _secret = Environment.GetEnvironmentVariable("PARTNER_SECRET") ?? "";
    private const string ApiKeyHeader = "X-Partner-Key";
}
