using System.Diagnostics;
using System.Text;
using Lepton.Agent.Hardware;

namespace Lepton.Agent.Tests.Hardware;

public sealed class TaskCpuMeterTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly List<Process> _started = [];

    [Fact]
    public void ProcStatTryParse_CommandWithSpacesAndParentheses_ReadsNumberedFields()
    {
        var line = "4242 (a (weird) name) R 17 4242 4242 0 -1 4194304 100 0 0 0 250 30 0 0 20 0 1 0 98765 1000 10 0\n"u8;

        Assert.True(ProcStat.TryParse(line, out var stat));

        Assert.Equal(new ProcStat(4242, 17, 280, 98765), stat);
    }

    [Theory]
    [InlineData("")]
    [InlineData("4242 (sh) R 17 4242")]
    [InlineData("x (sh) R 17 4242 4242 0 -1 4194304 100 0 0 0 250 30 0 0 20 0 1 0 98765")]
    [InlineData("4242 (sh) R 17 4242 4242 0 -1 4194304 100 0 0 0 2x0 30 0 0 20 0 1 0 98765")]
    public void ProcStatTryParse_Malformed_False(string line)
    {
        Assert.False(ProcStat.TryParse(Encoding.ASCII.GetBytes(line), out _));
    }

    [Fact]
    public void TicksSince_BusyGrandchildOfRoot_CountedAndUnrelatedBusyProcessNot()
    {
        var root = Start("sh -c 'while :; do :; done' & wait");
        var child = WaitFor(() => ChildOf(root.Id), "the busy child to start");
        var unrelated = Start("while :; do :; done");
        var meter = new TaskCpuMeter();

        var treeBefore = Ticks(root.Id) + Ticks(child);
        meter.TicksSince([root.Id]);
        var childAtStart = Ticks(child);
        var unrelatedAtStart = Ticks(unrelated.Id);
        WaitFor(() => Ticks(child) >= childAtStart + 10 && Ticks(unrelated.Id) >= unrelatedAtStart + 10 ? 1 : 0, "both loops to burn CPU");
        var childAtEnd = Ticks(child);
        var counted = meter.TicksSince([root.Id]);
        var treeAfter = Ticks(root.Id) + Ticks(child);

        // Everything the child burned between the two samples is counted ...
        Assert.InRange(counted, childAtEnd - childAtStart, ulong.MaxValue);
        // ... and nothing beyond what the tree burned around them: the unrelated loop (10+ ticks meanwhile) is not.
        Assert.InRange(counted, 0UL, treeAfter - treeBefore);
    }

    [Fact]
    public void TicksSince_NoRoots_Zero()
    {
        Assert.Equal(0UL, new TaskCpuMeter().TicksSince([]));
    }

    [Fact]
    public void HardwareDetectorSample_DeclaredCpuNoTasksWhileMachineBusy_Zero()
    {
        var detector = new HardwareDetector(queryGpus: false, declaredCpuMilli: 8000);
        var busy = Start("while :; do :; done");
        var atStart = Ticks(busy.Id);
        WaitFor(() => Ticks(busy.Id) >= atStart + 10 ? 1 : 0, "the loop to burn CPU");

        Assert.Equal(0, detector.Sample([]).CpuPercent);
        Assert.Equal(0, detector.Sample().CpuPercent);
    }

    [Fact]
    public void HardwareDetectorSample_DeclaredCpuBusyTask_ItsShareOfTheDeclaredCores()
    {
        var detector = new HardwareDetector(queryGpus: false, declaredCpuMilli: 500);
        var task = Start("while :; do :; done");
        var atStart = Ticks(task.Id);
        WaitFor(() => Ticks(task.Id) >= atStart + 10 ? 1 : 0, "the task to burn CPU");

        Assert.InRange(detector.Sample([task.Id]).CpuPercent, 0.1, 100);
    }

    public void Dispose()
    {
        foreach (var process in _started)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            process.Dispose();
        }
    }

    private Process Start(string script)
    {
        var process = Process.Start(new ProcessStartInfo("sh", ["-c", script]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("sh did not start");
        _started.Add(process);
        return process;
    }

    private static ulong Ticks(int pid) =>
        ProcStat.TryParse(File.ReadAllBytes($"/proc/{pid}/stat"), out var stat) ? stat.CpuTicks : throw new InvalidOperationException($"pid {pid} unreadable");

    private static int ChildOf(int parent)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (int.TryParse(Path.GetFileName(directory), out _)
                    && ProcStat.TryParse(File.ReadAllBytes(Path.Combine(directory, "stat")), out var stat)
                    && stat.ParentPid == parent)
                {
                    return stat.Pid;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone while we looked.
            }
        }

        return 0;
    }

    /// <summary>Polls until <paramref name="probe"/> is non-zero; a bound against hanging, not a timing assertion.</summary>
    private static int WaitFor(Func<int> probe, string what)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < Bound)
        {
            if (probe() is var value and not 0)
            {
                return value;
            }

            Thread.Sleep(20);
        }

        throw new TimeoutException($"gave up waiting for {what}");
    }
}
