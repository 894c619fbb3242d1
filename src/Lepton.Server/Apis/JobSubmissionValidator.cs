using Lepton.Client.Contracts;

namespace Lepton.Server.Apis;

/// <summary>Checks a <see cref="JobSubmission"/> field by field; the first bad field becomes a 400 naming it.</summary>
/// <remarks>Every field has a limit (README, "Limits"), so one tenant cannot make the server hold, store and send out
/// megabytes per job: every job list, heartbeat and database row carries the command and env.</remarks>
internal static class JobSubmissionValidator
{
    /// <summary>Highest value a job may declare (an amount of money; large enough for any job, small enough to sum exactly).</summary>
    public const double MaxValue = 1e12;

    public const int MaxNameLength = 128;
    public const int MaxCommandArgs = 1000;
    public const int MaxCommandArgLength = 32 * 1024;
    public const int MaxCommandTotalLength = 128 * 1024;
    public const int MaxEnvCount = 1000;
    public const int MaxEnvNameLength = 256;
    public const int MaxEnvValueLength = 32 * 1024;
    public const int MaxEnvTotalLength = 128 * 1024;
    public const int MaxGpuModels = 64;
    public const int MaxGpuModelLength = 64;

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
        if (string.IsNullOrWhiteSpace(job.Name) || job.Name.Length > MaxNameLength || job.Name.Any(char.IsControl))
        {
            throw ApiException.BadField("name", $"must be 1..{MaxNameLength} printable characters");
        }

        Range("replicas", job.Replicas, 1, MaxReplicas);
        Range("priority", job.Priority, 1, 9);
        Range("maxRetries", job.MaxRetries, 0, 100);
        if (job.Value is { } value && (!double.IsFinite(value) || value < 0 || value > MaxValue))
        {
            throw ApiException.BadField("value", $"must be a finite amount between 0 and {MaxValue:0}");
        }

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
            if (r.GpuModels.Count > MaxGpuModels || r.GpuModels.Any(m => string.IsNullOrWhiteSpace(m) || m.Length > MaxGpuModelLength))
            {
                throw ApiException.BadField("resources.gpuModels", $"must be at most {MaxGpuModels} non-empty model names of at most {MaxGpuModelLength} characters");
            }
        }

        ValidatePlacement(r);
        ValidateCommand(job.Command);
        ValidateEnv(job.Env);
    }

    /// <summary>The topology, data and latency fields: names short and printable, sizes and budgets in range.</summary>
    private static void ValidatePlacement(JobResources r)
    {
        if (r.Topology is { } t)
        {
            Name("resources.topology.required", t.Required, optional: true);
            Name("resources.topology.preferred", t.Preferred, optional: true);
            if (t.Required is not null && t.Preferred is not null)
            {
                throw ApiException.BadField("resources.topology", "give either required or preferred, not both");
            }
        }

        if (r.Data is { } d)
        {
            Name("resources.data.name", d.Name, optional: false);
            Name("resources.data.at", d.At, optional: false);
            Range("resources.data.sizeMiB", d.SizeMiB, 1, Lepton.Client.Specs.JobSpecReader.MaxDataMiB);
        }

        if (r.Latency is { } l)
        {
            Name("resources.latency.users", l.Users, optional: false);
            if (!double.IsFinite(l.BudgetMs) || l.BudgetMs <= 0 || l.BudgetMs > Lepton.Client.Specs.JobSpecReader.MaxBudgetMs)
            {
                throw ApiException.BadField("resources.latency.budgetMs", $"must be a number of milliseconds above 0 and at most {Lepton.Client.Specs.JobSpecReader.MaxBudgetMs}");
            }
        }
    }

    private static void Name(string field, string? value, bool optional)
    {
        if (value is null && optional)
        {
            return;
        }

        var max = Lepton.Client.Specs.JobSpecReader.MaxPlacementNameLength;
        if (string.IsNullOrWhiteSpace(value) || value.Length > max || value.Any(char.IsControl))
        {
            throw ApiException.BadField(field, $"must be 1..{max} printable characters");
        }
    }

    private static void ValidateCommand(IReadOnlyList<string>? command)
    {
        if (command is null || command.Count > MaxCommandArgs)
        {
            throw ApiException.BadField("command", $"must be a list of at most {MaxCommandArgs} strings");
        }

        long total = 0;
        for (var i = 0; i < command.Count; i++)
        {
            var arg = command[i];
            if (arg is null)
            {
                throw ApiException.BadField($"command[{i}]", "must be a string, not null");
            }

            if (arg.Length > MaxCommandArgLength)
            {
                throw ApiException.BadField($"command[{i}]", $"must be at most {MaxCommandArgLength} characters (got {arg.Length})");
            }

            if (arg.Contains('\0', StringComparison.Ordinal))
            {
                // exec cannot pass a NUL inside an argument.
                throw ApiException.BadField($"command[{i}]", "must not contain a NUL character");
            }

            total += arg.Length;
        }

        if (total > MaxCommandTotalLength)
        {
            throw ApiException.BadField("command", $"must total at most {MaxCommandTotalLength} characters (got {total})");
        }
    }

    private static void ValidateEnv(IReadOnlyDictionary<string, string>? env)
    {
        if (env is null || env.Count > MaxEnvCount)
        {
            throw ApiException.BadField("env", $"must be an object of at most {MaxEnvCount} string values");
        }

        long total = 0;
        foreach (var (key, value) in env)
        {
            if (key.Length == 0 || key.Length > MaxEnvNameLength || key.Contains('=', StringComparison.Ordinal) || key.Contains('\0', StringComparison.Ordinal))
            {
                throw ApiException.BadField($"env.{Clip(key)}", $"names must be 1..{MaxEnvNameLength} characters without '=' or NUL");
            }

            if (value is null)
            {
                throw ApiException.BadField($"env.{key}", "values must be strings");
            }

            if (value.Length > MaxEnvValueLength || value.Contains('\0', StringComparison.Ordinal))
            {
                throw ApiException.BadField($"env.{key}", $"values must be at most {MaxEnvValueLength} characters without NUL (got {value.Length})");
            }

            total += key.Length + value.Length;
        }

        if (total > MaxEnvTotalLength)
        {
            throw ApiException.BadField("env", $"names and values must total at most {MaxEnvTotalLength} characters (got {total})");
        }
    }

    private static string Clip(string text) => text.Length <= 64 ? text : text[..64] + "…";

    private static void Range(string field, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            throw ApiException.BadField(field, $"must be between {min} and {max} (got {value})");
        }
    }
}
