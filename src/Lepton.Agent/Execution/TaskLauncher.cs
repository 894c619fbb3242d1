using System.Collections.Concurrent;
using System.Diagnostics;

namespace Lepton.Agent.Execution;

/// <summary>Starts task processes from one long-lived thread.</summary>
/// <remarks>
/// Tasks are started under <c>setpriv --pdeathsig KILL</c> so that they die with the agent. Linux delivers the
/// parent-death signal when the <em>thread</em> that forked the child exits, not the process: a task started from a
/// thread-pool thread would be killed when the pool retires that thread. Forking from a thread that lives as long as the
/// agent makes the signal mean what we want: the agent is gone.
/// </remarks>
internal static class TaskLauncher
{
    private static readonly BlockingCollection<(ProcessStartInfo Info, TaskCompletionSource<Process> Started)> Requests = new();
    private static readonly Thread Launcher = StartThread();

    /// <summary>Starts <paramref name="info"/> on the launcher thread and returns the process.</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">The program cannot be started.</exception>
    public static Process Start(ProcessStartInfo info)
    {
        _ = Launcher;
        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        Requests.Add((info, started));
        return started.Task.GetAwaiter().GetResult();
    }

    private static Thread StartThread()
    {
        var thread = new Thread(() =>
        {
            foreach (var (info, started) in Requests.GetConsumingEnumerable())
            {
                try
                {
                    started.SetResult(Process.Start(info) ?? throw new InvalidOperationException($"could not start {info.FileName}"));
                }
                catch (Exception e)
                {
                    started.SetException(e);
                }
            }
        })
        {
            IsBackground = true,
            Name = "lepton task launcher",
        };
        thread.Start();
        return thread;
    }
}
