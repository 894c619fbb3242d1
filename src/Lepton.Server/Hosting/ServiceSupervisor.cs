using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lepton.Server.Hosting;

/// <summary>Runs one background service and restarts it, with growing back-off, whenever it fails.</summary>
/// <remarks>
/// Left to the host, a background service that throws stops the whole server (and the process then exits 0, so a
/// supervisor such as systemd does not restart it). A failing sampler or scheduler pass is a bug to log, not a reason to
/// stop serving: the service is restarted after 0.5 s, 1 s, 2 s, ... up to <see cref="MaxBackoff"/>; a run that lasted a
/// minute resets the back-off. Only a service that fails <see cref="MaxConsecutiveFailures"/> times in a row is fatal:
/// then <see cref="ServerHealth.Fatal"/> stops the host and <c>lepton serve</c> exits non-zero.
/// </remarks>
internal sealed class ServiceSupervisor(BackgroundService inner, string name, ServerHealth health, ILogger log) : BackgroundService
{
    /// <summary>First delay before a restart.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest delay before a restart.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Failures in a row (each within a minute of its start) that make the error fatal.</summary>
    public int MaxConsecutiveFailures { get; init; } = 20;

    /// <summary>How many times the service was restarted after a failure.</summary>
    public int Restarts { get; private set; }

    // Set when the host stops this service: the inner service is stopped first, so its cancellation arrives before
    // stoppingToken is cancelled and must not be mistaken for a failure.
    private volatile bool _stopping;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = InitialBackoff;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await inner.StartAsync(stoppingToken).ConfigureAwait(false);
                if (inner.ExecuteTask is { } running)
                {
                    await running.ConfigureAwait(false);
                }

                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested || _stopping)
            {
                return;
            }
            catch (Exception e)
            {
                if (_stopping)
                {
                    return;
                }

                if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromMinutes(1))
                {
                    failures = 0;
                    backoff = InitialBackoff;
                }

                failures++;
                if (failures >= MaxConsecutiveFailures)
                {
                    log.LogCritical(e, "background service {Service} failed {Failures} times in a row; stopping the server", name, failures);
                    health.Fatal($"background service {name} failed {failures} times in a row: {e.Message}");
                    return;
                }

                log.LogError(e, "background service {Service} failed; restarting in {Backoff}", name, backoff);
            }

            try
            {
                await Task.Delay(backoff, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            Restarts++;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        try
        {
            await inner.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Its failure was logged when it happened.
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        // A host disposed without being stopped (a command that failed half-way) cancels the inner service here: that is
        // the end, not a failure to restart from.
        _stopping = true;
        inner.Dispose();
        base.Dispose();
    }
}
