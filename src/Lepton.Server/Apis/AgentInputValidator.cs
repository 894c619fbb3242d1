using System.Text.RegularExpressions;
using Lepton.Client.Contracts;

namespace Lepton.Server.Apis;

/// <summary>Checks everything an agent sends (registration, heartbeat, task status, log chunk) field by field; the first bad
/// field becomes a 400 naming it.</summary>
/// <remarks>
/// Agents are untrusted: a number that is not finite, absurdly large or negative, or a <c>null</c> inside a list, must be
/// refused here, before it reaches the model. Otherwise it surfaces later where no one can refuse it: a view that cannot
/// be serialised (System.Text.Json cannot write <c>Infinity</c>), a sum that overflows, a dereference that throws in a
/// background service. The bounds are generous for real machines and small enough that sums over thousands of nodes stay
/// finite and exact.
/// </remarks>
internal static partial class AgentInputValidator
{
    /// <summary>Highest price per hour a node may declare.</summary>
    public const double MaxPricePerHour = 1_000_000;

    /// <summary>Highest idle or peak power a node may declare, in watts.</summary>
    public const double MaxWatts = 1_000_000;

    /// <summary>Highest measured power of one component (a CPU package set or one GPU) an agent may report, in watts: far
    /// above any real part (the largest accelerators draw about 1.2 kW), low enough that sums stay meaningful.</summary>
    public const double MaxMeasuredWatts = 10_000;

    /// <summary>Most GPUs on one node (the placement core's limit).</summary>
    public const int MaxGpus = 64;

    /// <summary>Highest GPU device index.</summary>
    public const int MaxGpuIndex = 4095;

    /// <summary>Most task attempts one heartbeat may report running.</summary>
    public const int MaxRunning = 100_000;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    private static partial Regex NodeName();

    /// <summary>Throws <see cref="ApiException"/> (400) for the first invalid field of a registration.</summary>
    public static void Validate(NodeRegistration r)
    {
        if (r is null)
        {
            throw ApiException.BadField("body", "a JSON object is required");
        }

        if (r.Name is null || !NodeName().IsMatch(r.Name))
        {
            throw ApiException.BadField("name", "must be 1..63 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }

        Range("cpuMilli", r.CpuMilli, 0, JobSubmissionValidator.MaxCpuMilli);
        Range("memoryMiB", r.MemoryMiB, 0, JobSubmissionValidator.MaxMemoryMiB);
        Range("fpga", r.Fpga, 0, JobSubmissionValidator.MaxFpga);
        Range("networkMbps", r.NetworkMbps, 0, JobSubmissionValidator.MaxNetworkMbps);
        Range("rdmaNics", r.RdmaNics, 0, JobSubmissionValidator.MaxRdmaNics);
        if (r.Gpus is null || r.Gpus.Count > MaxGpus)
        {
            throw ApiException.BadField("gpus", $"must be a list of at most {MaxGpus} GPUs");
        }

        for (var i = 0; i < r.Gpus.Count; i++)
        {
            var gpu = r.Gpus[i] ?? throw ApiException.BadField($"gpus[{i}]", "must not be null");
            Range($"gpus[{i}].index", gpu.Index, 0, MaxGpuIndex);
            Range($"gpus[{i}].memoryMiB", gpu.MemoryMiB, 0, JobSubmissionValidator.MaxMemoryMiB);
            if (string.IsNullOrWhiteSpace(gpu.Model) || gpu.Model.Length > 64 || gpu.Model.Any(char.IsControl))
            {
                throw ApiException.BadField($"gpus[{i}].model", "every GPU needs a model name of 1..64 printable characters");
            }
        }

        if (r.Gpus.Select(g => g.Index).Distinct().Count() != r.Gpus.Count)
        {
            throw ApiException.BadField("gpus", "indices must be distinct");
        }

        if (r.Gpus.Select(g => g.Model).Distinct().Count() > 1)
        {
            throw ApiException.BadField("gpus", "all GPUs of a node must be one model (register two nodes otherwise)");
        }

        if (r.Labels is null || r.Labels.Count > 64)
        {
            throw ApiException.BadField("labels", "must be an object of at most 64 labels");
        }

        foreach (var (key, value) in r.Labels)
        {
            if (string.IsNullOrEmpty(key) || key.Length > 128 || value is null || value.Length > 256)
            {
                throw ApiException.BadField($"labels.{key}", "names must be 1..128 characters and values strings of at most 256");
            }
        }

        Finite("pricePerHour", r.PricePerHour, MaxPricePerHour);
        Finite("idleWatts", r.IdleWatts, MaxWatts);
        Finite("peakWatts", r.PeakWatts, MaxWatts);
        if (r.Address is { } address && (address.Length > 255 || address.Any(char.IsControl)))
        {
            throw ApiException.BadField("address", "must be at most 255 printable characters");
        }
    }

    /// <summary>Throws <see cref="ApiException"/> (400) for the first invalid field of a heartbeat.</summary>
    public static void Validate(Heartbeat h)
    {
        if (h is null)
        {
            throw ApiException.BadField("body", "a JSON object is required");
        }

        var usage = h.Usage ?? throw ApiException.BadField("usage", "must not be null");
        Finite("usage.cpuPercent", usage.CpuPercent, 100);
        Range("usage.memoryUsedMiB", usage.MemoryUsedMiB, 0, JobSubmissionValidator.MaxMemoryMiB);
        if (usage.Gpus is null || usage.Gpus.Count > MaxGpus)
        {
            throw ApiException.BadField("usage.gpus", $"must be a list of at most {MaxGpus} GPUs");
        }

        for (var i = 0; i < usage.Gpus.Count; i++)
        {
            var gpu = usage.Gpus[i] ?? throw ApiException.BadField($"usage.gpus[{i}]", "must not be null");
            Range($"usage.gpus[{i}].index", gpu.Index, 0, MaxGpuIndex);
            Finite($"usage.gpus[{i}].utilizationPercent", gpu.UtilizationPercent, 100);
            Range($"usage.gpus[{i}].memoryUsedMiB", gpu.MemoryUsedMiB, 0, JobSubmissionValidator.MaxMemoryMiB);
            if (gpu.PowerWatts is { } gpuWatts)
            {
                Finite($"usage.gpus[{i}].powerWatts", gpuWatts, MaxMeasuredWatts);
            }
        }

        if (usage.CpuWatts is { } cpuWatts)
        {
            Finite("usage.cpuWatts", cpuWatts, MaxMeasuredWatts);
        }

        if (h.Running is null || h.Running.Count > MaxRunning)
        {
            throw ApiException.BadField("running", $"must be a list of at most {MaxRunning} task attempts");
        }

        for (var i = 0; i < h.Running.Count; i++)
        {
            var task = h.Running[i] ?? throw ApiException.BadField($"running[{i}]", "must not be null");
            Range($"running[{i}].taskId", task.TaskId, 1, long.MaxValue);
            Range($"running[{i}].attempt", task.Attempt, 0, int.MaxValue);
        }
    }

    /// <summary>Throws <see cref="ApiException"/> (400) for the first invalid field of a task status report.</summary>
    public static void Validate(TaskStatusReport report)
    {
        if (report is null)
        {
            throw ApiException.BadField("body", "a JSON object is required");
        }

        Range("attempt", report.Attempt, 0, int.MaxValue);
        if (report.Status is not ("Started" or "Exited" or "Released"))
        {
            throw ApiException.BadField("status", "must be Started, Exited or Released");
        }

        if (report.Status == "Exited" && report.ExitCode is null)
        {
            throw ApiException.BadField("exitCode", "is required when status is Exited");
        }

        if (report.Message is { Length: > 4096 })
        {
            throw ApiException.BadField("message", "must be at most 4096 characters");
        }
    }

    /// <summary>A stored registration clamped into the accepted ranges, for rows written before these checks existed.</summary>
    /// <returns>The registration itself when it is in range; otherwise a corrected copy.</returns>
    public static NodeRegistration Sanitize(NodeRegistration r)
    {
        try
        {
            Validate(r);
            return r;
        }
        catch (ApiException)
        {
            // Out of range: clamp below.
        }

        static double Clamp(double v, double max) => double.IsFinite(v) ? Math.Clamp(v, 0, max) : 0;
        return r with
        {
            PricePerHour = Clamp(r.PricePerHour, MaxPricePerHour),
            IdleWatts = Clamp(r.IdleWatts, MaxWatts),
            PeakWatts = Clamp(r.PeakWatts, MaxWatts),
            CpuMilli = Math.Clamp(r.CpuMilli, 0, JobSubmissionValidator.MaxCpuMilli),
            MemoryMiB = Math.Clamp(r.MemoryMiB, 0, JobSubmissionValidator.MaxMemoryMiB),
            Fpga = Math.Clamp(r.Fpga, 0, JobSubmissionValidator.MaxFpga),
            NetworkMbps = Math.Clamp(r.NetworkMbps, 0, JobSubmissionValidator.MaxNetworkMbps),
            RdmaNics = Math.Clamp(r.RdmaNics, 0, JobSubmissionValidator.MaxRdmaNics),
            Gpus = r.Gpus is null ? [] : [.. r.Gpus.Where(g => g is not null).Take(MaxGpus)],
            Labels = r.Labels ?? new Dictionary<string, string>(),
        };
    }

    private static void Range(string field, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            throw ApiException.BadField(field, $"must be between {min} and {max} (got {value})");
        }
    }

    private static void Finite(string field, double value, double max)
    {
        if (!double.IsFinite(value) || value < 0 || value > max)
        {
            throw ApiException.BadField(field, $"must be a finite number between 0 and {max}");
        }
    }
}
