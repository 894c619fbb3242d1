using Lepton.Client.Contracts;

namespace Lepton.Server.Apis;

/// <summary>Checks a <see cref="JobSubmission"/> field by field; the first bad field becomes a 400 naming it.</summary>
internal static class JobSubmissionValidator
{
    public const long MaxCpuMilli = 10_000_000;
    public const long MaxMemoryMiB = 1L << 30;
    public const int MaxGpu = 64;
    public const int MaxFpga = 64;
    public const long MaxNetworkMbps = 10_000_000;
    public const int MaxReplicas = 1024;
    public const int MaxRdmaNics = 64;

    /// <summary>Throws <see cref="ApiException"/> (400) for the first invalid field.</summary>
    public static void Validate(JobSubmission job)
    {
        if (string.IsNullOrWhiteSpace(job.Name) || job.Name.Length > 128 || job.Name.Any(char.IsControl))
        {
            throw ApiException.BadField("name", "must be 1..128 printable characters");
        }

        Range("replicas", job.Replicas, 1, MaxReplicas);
        Range("priority", job.Priority, 1, 9);
        Range("maxRetries", job.MaxRetries, 0, 100);
        if (job.Resources is null)
        {
            throw ApiException.BadField("resources", "is required");
        }

        var r = job.Resources;
        Range("resources.cpuMilli", r.CpuMilli, 0, MaxCpuMilli);
        Range("resources.memoryMiB", r.MemoryMiB, 0, MaxMemoryMiB);
        Range("resources.gpu", r.Gpu, 0, MaxGpu);
        Range("resources.gpuMilli", r.GpuMilli, 0, 999);
        Range("resources.fpga", r.Fpga, 0, MaxFpga);
        Range("resources.networkMbps", r.NetworkMbps, 0, MaxNetworkMbps);
        Range("resources.rdmaMilli", r.RdmaMilli, 0, MaxRdmaNics * 1000L);
        Range("resources.maxPerNode", r.MaxPerNode, 0, MaxReplicas);
        if (r.Gpu > 0 && r.GpuMilli > 0)
        {
            throw ApiException.BadField("resources.gpuMilli", "give either whole GPUs (gpu) or a share of one GPU (gpuMilli), not both");
        }

        if (r.GpuModels is not null)
        {
            if (r.GpuModels.Count > 64 || r.GpuModels.Any(m => string.IsNullOrWhiteSpace(m) || m.Length > 64))
            {
                throw ApiException.BadField("resources.gpuModels", "must be at most 64 non-empty model names");
            }
        }

        if (job.Command is null || job.Command.Count > 1000 || job.Command.Any(a => a is null))
        {
            throw ApiException.BadField("command", "must be a list of at most 1000 strings");
        }

        if (job.Env is null || job.Env.Count > 1000)
        {
            throw ApiException.BadField("env", "must be an object of at most 1000 string values");
        }

        foreach (var (key, value) in job.Env)
        {
            if (key.Length == 0 || key.Contains('=', StringComparison.Ordinal) || key.Contains('\0', StringComparison.Ordinal) || value is null)
            {
                throw ApiException.BadField($"env.{key}", "names must be non-empty without '=' and values must be strings");
            }
        }
    }

    private static void Range(string field, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            throw ApiException.BadField(field, $"must be between {min} and {max} (got {value})");
        }
    }
}
