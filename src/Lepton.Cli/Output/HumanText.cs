using System.Globalization;
using Lepton.Client.Contracts;

namespace Lepton.Cli.Output;

/// <summary>Short human renderings of Lepton quantities, states and times for tables.</summary>
internal static class HumanText
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Millicores as cores: <c>4</c>, <c>0.5</c>.</summary>
    public static string Cores(long milli) => (milli / 1000.0).ToString("0.##", Invariant);

    /// <summary>MiB as <c>512Mi</c>, <c>16Gi</c> or <c>1.5Ti</c>.</summary>
    public static string Memory(long mib) => mib switch
    {
        >= 1024L * 1024 => (mib / (1024.0 * 1024)).ToString("0.#", Invariant) + "Ti",
        >= 1024 => (mib / 1024.0).ToString("0.#", Invariant) + "Gi",
        _ => mib.ToString(Invariant) + "Mi",
    };

    /// <summary>Milli-GPU as GPUs: <c>2</c>, <c>0.5</c>.</summary>
    public static string Gpus(long milli) => (milli / 1000.0).ToString("0.###", Invariant);

    /// <summary>Mbps as <c>500Mbps</c> or <c>2Gbps</c>.</summary>
    public static string Network(long mbps) =>
        mbps >= 1000 && mbps % 100 == 0 ? (mbps / 1000.0).ToString("0.#", Invariant) + "Gbps" : mbps.ToString(Invariant) + "Mbps";

    /// <summary>The GPUs a whole job asks for: replicas × whole GPUs, or replicas × a share; <c>-</c> for none.</summary>
    public static string JobGpus(JobView job)
    {
        var perReplica = job.Resources.Gpu > 0 ? job.Resources.Gpu * 1000L : job.Resources.GpuMilli;
        return perReplica == 0 ? "-" : Gpus(perReplica * Math.Max(1, job.Replicas));
    }

    /// <summary>The per-replica request in one line: <c>cpu 4, memory 16Gi, gpu 1 (A100|V100M32), network 2Gbps</c>.</summary>
    public static string Request(JobResources r)
    {
        var parts = new List<string> { $"cpu {Cores(r.CpuMilli)}", $"memory {Memory(r.MemoryMiB)}" };
        if (r.Gpu > 0 || r.GpuMilli > 0)
        {
            var amount = r.Gpu > 0 ? r.Gpu.ToString(Invariant) : Gpus(r.GpuMilli) + " of one";
            var models = r.GpuModels is { Count: > 0 } ? $" ({string.Join('|', r.GpuModels)})" : "";
            parts.Add($"gpu {amount}{models}");
        }

        if (r.Fpga > 0)
        {
            parts.Add($"fpga {r.Fpga}");
        }

        if (r.NetworkMbps > 0)
        {
            parts.Add($"network {Network(r.NetworkMbps)}");
        }

        return string.Join(", ", parts);
    }

    /// <summary>Time since <paramref name="then"/>: <c>42s</c>, <c>5m</c>, <c>3h</c>, <c>2d</c>.</summary>
    public static string Age(DateTimeOffset then, DateTimeOffset now)
    {
        var age = now - then;
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }

        return age.TotalSeconds < 60 ? $"{(int)age.TotalSeconds}s"
            : age.TotalMinutes < 60 ? $"{(int)age.TotalMinutes}m"
            : age.TotalHours < 48 ? $"{(int)age.TotalHours}h"
            : $"{(int)age.TotalDays}d";
    }

    /// <summary>Spectre markup colour for a job state.</summary>
    public static string StateColour(JobState state) => state switch
    {
        JobState.Pending => "yellow",
        JobState.Scheduled => "blue",
        JobState.Running => "deepskyblue1",
        JobState.Succeeded => "green",
        JobState.Failed => "red",
        _ => "grey",
    };

    /// <summary>Shortens <paramref name="text"/> to <paramref name="max"/> characters with an ellipsis.</summary>
    public static string Clip(string? text, int max) =>
        string.IsNullOrEmpty(text) ? "" : text.Length <= max ? text : text[..(max - 1)] + "…";
}
