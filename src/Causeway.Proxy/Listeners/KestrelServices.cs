using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Causeway.Proxy.Listeners;

/// <summary>
/// Kestrel and the few services it needs (options, a logger factory that logs nothing, a meter factory), without a
/// web host: no configuration sources, file watchers, logging providers, hosted services or hosting layer. Kestrel
/// registers itself through <see cref="WebHostBuilderKestrelExtensions.UseKestrelCore"/>, which only asks its host
/// builder for services, so a builder that collects them is enough.
/// </summary>
internal static class KestrelServices
{
    /// <summary>A Kestrel server configured by <paramref name="configure"/>, with <paramref name="transport"/> beside its socket transport.</summary>
    public static (IServer Server, ServiceProvider Services) Create(Action<KestrelServerOptions> configure, Microsoft.AspNetCore.Connections.IConnectionListenerFactory transport)
    {
        var services = new ServiceCollection();
        services.AddOptions();
        services.AddMetrics();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddSingleton<System.Diagnostics.DiagnosticSource>(new System.Diagnostics.DiagnosticListener("Microsoft.AspNetCore"));
        new ServiceCollecting(services).UseKestrelCore();
        services.AddSingleton(transport); // after Kestrel's socket transport (the admin address), not in its place
        services.Configure(configure);
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<IServer>(), provider);
    }

    /// <summary>A web host builder that only hands configured services to a collection.</summary>
    private sealed class ServiceCollecting(IServiceCollection services) : IWebHostBuilder
    {
        private readonly WebHostBuilderContext context = new() { Configuration = new ConfigurationBuilder().Build() };

#pragma warning disable ASPDEPR008 // IWebHostBuilder's own member; never called
        public IWebHost Build() => throw new NotSupportedException("services only");
#pragma warning restore ASPDEPR008

        public IWebHostBuilder ConfigureAppConfiguration(Action<WebHostBuilderContext, IConfigurationBuilder> configureDelegate) => this;

        public IWebHostBuilder ConfigureServices(Action<IServiceCollection> configureServices)
        {
            configureServices(services);
            return this;
        }

        public IWebHostBuilder ConfigureServices(Action<WebHostBuilderContext, IServiceCollection> configureServices)
        {
            configureServices(context, services);
            return this;
        }

        public string? GetSetting(string key) => null;

        public IWebHostBuilder UseSetting(string key, string? value) => this;
    }
}
