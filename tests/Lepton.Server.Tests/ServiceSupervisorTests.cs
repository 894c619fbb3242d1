using Lepton.Server.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lepton.Server.Tests;

/// <summary>A background service that throws is restarted; one that keeps failing is fatal (the host stops, the CLI exits non-zero).</summary>
public sealed class ServiceSupervisorTests
{
    /// <summary>Throws on its first <c>failures</c> runs, then runs until stopped.</summary>
    private sealed class Flaky(int failures) : BackgroundService
    {
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public TaskCompletionSource Healthy { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Yield();
            if (Interlocked.Increment(ref _runs) <= failures)
            {
                throw new InvalidOperationException("boom");
            }

            Healthy.TrySetResult();
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
    }

    [Fact]
    public async Task Execute_ServiceThrowsTwice_RestartedAndHostKeepsRunning()
    {
        var stopped = false;
        var health = new ServerHealth(() => stopped = true);
        var flaky = new Flaky(failures: 2);
        using var supervisor = new ServiceSupervisor(flaky, "flaky", health, NullLogger.Instance) { InitialBackoff = TimeSpan.FromMilliseconds(10) };
        await supervisor.StartAsync(CancellationToken.None);
        await flaky.Healthy.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(3, flaky.Runs);
        Assert.Equal(2, supervisor.Restarts);
        Assert.Null(health.FatalError);
        Assert.False(stopped);
        await supervisor.StopAsync(CancellationToken.None);
    }

    /// <summary>Ticks like the server's loops: its cancellation completes the await inline, inside the canceller's call.</summary>
    private sealed class Ticking : BackgroundService
    {
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public TaskCompletionSource Healthy { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            Interlocked.Increment(ref _runs);
            using var timer = new PeriodicTimer(TimeSpan.FromHours(1));
            Healthy.TrySetResult();
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
            }
        }
    }

    [Fact]
    public async Task Dispose_WithoutStop_EndsTheServiceWithoutRestartingIt()
    {
        var health = new ServerHealth(() => { });
        var flaky = new Ticking();
        var log = new ErrorCounter();
        var supervisor = new ServiceSupervisor(flaky, "flaky", health, log) { InitialBackoff = TimeSpan.FromMilliseconds(1) };
        await supervisor.StartAsync(CancellationToken.None);
        await flaky.Healthy.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // What a host does when a command fails before it could stop it: dispose, which cancels the inner service.
        supervisor.Dispose();
        await supervisor.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((1, 0, 0), (flaky.Runs, supervisor.Restarts, log.Errors));
        Assert.Null(health.FatalError);
    }

    /// <summary>Counts what was logged as an error (a failure the supervisor believed it saw).</summary>
    private sealed class ErrorCounter : ILogger
    {
        private int _errors;

        public int Errors => Volatile.Read(ref _errors);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error)
            {
                Interlocked.Increment(ref _errors);
            }
        }
    }

    [Fact]
    public async Task Execute_ServiceAlwaysThrows_FatalStopsHost()
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var health = new ServerHealth(() => stopped.TrySetResult());
        var flaky = new Flaky(failures: int.MaxValue);
        using var supervisor = new ServiceSupervisor(flaky, "flaky", health, NullLogger.Instance)
        {
            InitialBackoff = TimeSpan.FromMilliseconds(1),
            MaxConsecutiveFailures = 3,
        };
        await supervisor.StartAsync(CancellationToken.None);
        await stopped.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("flaky failed 3 times", health.FatalError, StringComparison.Ordinal);
        await supervisor.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Server_EveryBackgroundServiceRuns_UtilizationIsSampled()
    {
        await using var server = await TestServer.StartAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        string body;
        do
        {
            body = await server.Admin.GetStringAsync("/api/v1/cluster/utilization");
            if (!body.Contains("\"samples\":[]", StringComparison.Ordinal))
            {
                break;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        Assert.DoesNotContain("\"samples\":[]", body, StringComparison.Ordinal);
    }
}
