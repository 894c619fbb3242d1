using Lepton.Server.Model;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lepton.Server.Logs;

/// <summary>Deletes the logs of jobs that finished longer than the retention period ago (and logs of jobs the server does not know).</summary>
internal sealed class LogRetention(ControlPlane plane, JobLogStore logs, TimeSpan retention, ILogger<LogRetention> log) : BackgroundService
{
    /// <summary>Deletes what is due now; returns how many logs were deleted.</summary>
    public int Sweep()
    {
        var now = plane.Time.GetUtcNow();
        var due = new List<long>();
        foreach (var id in logs.JobsWithLogs())
        {
            lock (plane.Gate)
            {
                if (!plane.Jobs.TryGetValue(id, out var job)
                    || (job.IsTerminal && job.Events.Count > 0 && now - job.Events[^1].Time > retention))
                {
                    due.Add(id);
                }
            }
        }

        foreach (var id in due)
        {
            try
            {
                logs.Delete(id);
            }
            catch (IOException e)
            {
                log.LogWarning(e, "could not delete the log of job {Job}", id);
            }
        }

        if (due.Count > 0)
        {
            log.LogInformation("deleted the logs of {Count} jobs finished more than {Retention} ago", due.Count, retention);
        }

        return due.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = TimeSpan.FromTicks(Math.Clamp(retention.Ticks / 4, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromHours(1).Ticks));
        using var timer = new PeriodicTimer(every, plane.Time);
        do
        {
            Sweep();
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
