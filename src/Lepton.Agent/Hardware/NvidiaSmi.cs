using System.Diagnostics;

namespace Lepton.Agent.Hardware;

/// <summary>Queries the GPUs of this machine through <c>nvidia-smi</c>, when that command exists.</summary>
public static class NvidiaSmi
{
    /// <summary>The full path of <c>nvidia-smi</c> on <c>PATH</c>, or null when it is not installed.</summary>
    public static string? Locate()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, "nvidia-smi");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The GPUs and their current usage; empty when <c>nvidia-smi</c> is missing, fails or times out.</summary>
    /// <remarks>A machine whose driver is broken still runs CPU work, so a failure here is not fatal to the agent.</remarks>
    public static IReadOnlyList<GpuDevice> Query(TimeSpan timeout)
    {
        var executable = Locate();
        if (executable is null)
        {
            return [];
        }

        try
        {
            using var process = Process.Start(new ProcessStartInfo(executable, NvidiaSmiParser.QueryArguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return [];
            }

            var output = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return [];
            }

            return process.ExitCode == 0 ? NvidiaSmiParser.Parse(output.GetAwaiter().GetResult()) : [];
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or FormatException or InvalidOperationException)
        {
            return [];
        }
    }
}
