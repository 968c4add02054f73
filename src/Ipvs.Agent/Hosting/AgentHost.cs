using Ipvs.Agent.Configuration;
using Ipvs.Agent.Logging;
using Ipvs.Agent.Process;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;
using Serilog.Core;

namespace Ipvs.Agent.Hosting;

/// <summary>The <c>run</c> verb: a Generic Host (systemd Type=notify aware) around <see cref="AgentService"/>.</summary>
internal static class AgentHost
{
    public static async Task<int> RunAsync(AgentOptions options, IReadOnlyList<FlagValue> flags, string? configFile, bool cleanup, CliContext context, CancellationToken cancellationToken)
    {
        var level = new LoggingLevelSwitch(options.LogLevel);
        await using Logger log = AgentLogging.Create(options.LogFormat, level);
        var settings = new AgentService.Settings(options, () => AgentConfiguration.Load(configFile, Environment.GetEnvironmentVariables(), flags), level, cleanup, context);
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSystemd();
        builder.Services.AddSerilog(log, dispose: false);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(20));
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<ILogger>(log);
        builder.Services.AddHostedService<AgentService>();
        using IHost host = builder.Build();
        await host.RunAsync(cancellationToken);
        return settings.ExitCode;
    }
}
