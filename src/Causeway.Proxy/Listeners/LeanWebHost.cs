using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Causeway.Proxy.Listeners;

/// <summary>
/// The web host behind each listener and admin endpoint: Kestrel and nothing else. The slim builder still adds
/// configuration from appsettings files (with a file watcher each) and environment variables, logging and its
/// options; a proxy runs one host per listener, so each of those is paid per port.
/// </summary>
public static class LeanWebHost
{
    public static WebApplicationBuilder CreateBuilder()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        return builder;
    }
}
