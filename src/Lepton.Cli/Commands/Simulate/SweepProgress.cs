using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Lepton.Cli.Commands.Simulate;

/// <summary>Shows how many runs are done and the ETA: a live Spectre.Console bar on a terminal, plain lines on stderr otherwise.</summary>
internal static class SweepProgress
{
    /// <summary>Runs <paramref name="work"/>, which calls the given callback once per finished run.</summary>
    public static T Track<T>(string label, int total, Func<Action, T> work)
    {
        if (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            return AnsiConsole.Progress()
                .AutoClear(true)
                .HideCompleted(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(context =>
                {
                    var task = context.AddTask(Describe(label, 0, total), maxValue: total);
                    var done = 0;
                    return work(() =>
                    {
                        var now = Interlocked.Increment(ref done);
                        task.Description = Describe(label, now, total);
                        task.Increment(1);
                    });
                });
        }

        var stopwatch = Stopwatch.StartNew();
        var gate = new object();
        var finished = 0;
        var lastPrinted = TimeSpan.Zero;
        return work(() =>
        {
            lock (gate)
            {
                finished++;
                var elapsed = stopwatch.Elapsed;
                if (finished == total || elapsed - lastPrinted >= TimeSpan.FromSeconds(10))
                {
                    lastPrinted = elapsed;
                    var eta = TimeSpan.FromSeconds(elapsed.TotalSeconds / finished * (total - finished));
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{Describe(label, finished, total)} ({100.0 * finished / total:F0}%), elapsed {Clock(elapsed)}, ETA {Clock(eta)}"));
                }
            }
        });
    }

    private static string Describe(string label, int done, int total) =>
        string.Create(CultureInfo.InvariantCulture, $"{label} {done}/{total}");

    private static string Clock(TimeSpan t) => t.ToString(t.TotalHours >= 1 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture);
}
