namespace Lepton.Client.Contracts;

/// <summary>Answer of <c>GET /api/v1/usage</c>: GPU-hours, CPU-hours, energy and cost per tenant, job and node over a period.</summary>
/// <remarks>Usage is accounted in buckets of one minute; a bucket counts when it starts inside [<see cref="From"/>,
/// <see cref="To"/>). A job's declared value counts once, in full, in every report that includes some of its usage.</remarks>
public sealed record UsageReport
{
    /// <summary>Start of the period (inclusive).</summary>
    public DateTimeOffset From { get; set; }

    /// <summary>End of the period (exclusive).</summary>
    public DateTimeOffset To { get; set; }

    /// <summary>Per tenant, by name.</summary>
    public IReadOnlyList<UsageLine> Tenants { get; set; } = [];

    /// <summary>Per job, by id.</summary>
    public IReadOnlyList<UsageLine> Jobs { get; set; } = [];

    /// <summary>Per node (admins only; empty for a tenant): all its energy and its whole price, allocated or idle.</summary>
    public IReadOnlyList<NodeEnergyLine> Nodes { get; set; } = [];

    /// <summary>The sum of <see cref="Tenants"/>.</summary>
    public UsageLine Total { get; set; } = new();
}

/// <summary>What one tenant or one job used, and what it cost and brought.</summary>
public sealed record UsageLine
{
    /// <summary>Tenant name.</summary>
    public string Tenant { get; set; } = "";

    /// <summary>Job id (0 on a tenant or total line).</summary>
    public long JobId { get; set; }

    /// <summary>Job name (empty on a tenant or total line).</summary>
    public string Job { get; set; } = "";

    /// <summary>GPU-hours by GPU model (whole-GPU equivalents: half a GPU for an hour is 0.5).</summary>
    public IReadOnlyDictionary<string, double> GpuHoursByModel { get; set; } = new Dictionary<string, double>();

    /// <summary>All GPU-hours.</summary>
    public double GpuHours { get; set; }

    /// <summary>Core-hours.</summary>
    public double CpuHours { get; set; }

    /// <summary>Energy attributed, kWh.</summary>
    public double EnergyKWh { get; set; }

    /// <summary>The part of <see cref="EnergyKWh"/> from measured (not estimated) power.</summary>
    public double MeasuredEnergyKWh { get; set; }

    /// <summary>Cost, in the currency of node and GPU prices.</summary>
    public double Cost { get; set; }

    /// <summary>Declared value of the jobs counted (null when none declared one).</summary>
    public double? Value { get; set; }

    /// <summary>Value minus the cost of the jobs that declared a value (null when none did).</summary>
    public double? Profit { get; set; }

    /// <summary>Cost divided by profit, of the jobs that declared a value (null when none did or the profit is not positive).</summary>
    public double? CostProfitRatio { get; set; }
}

/// <summary>What one node drew over the period, and its whole price.</summary>
public sealed record NodeEnergyLine
{
    /// <summary>Node name.</summary>
    public string Node { get; set; } = "";

    /// <summary>GPU model ("" for CPU-only).</summary>
    public string GpuModel { get; set; } = "";

    /// <summary>Hours the node was up and accounted.</summary>
    public double Hours { get; set; }

    /// <summary>Energy, kWh.</summary>
    public double EnergyKWh { get; set; }

    /// <summary>The measured part of <see cref="EnergyKWh"/>.</summary>
    public double MeasuredEnergyKWh { get; set; }

    /// <summary>The node's price over those hours.</summary>
    public double Cost { get; set; }

    /// <summary>Energy not attributed to any job (idle or unallocated share), kWh.</summary>
    public double IdleEnergyKWh { get; set; }
}

/// <summary>Power now, as <c>GET /api/v1/usage/power</c> reports it: per node and in total.</summary>
public sealed record PowerNow
{
    /// <summary>Sum over nodes, watts.</summary>
    public double TotalWatts { get; set; }

    /// <summary>Per node.</summary>
    public IReadOnlyList<NodePowerLine> Nodes { get; set; } = [];

    /// <summary>Energy (kWh) and cost per tenant since the server started.</summary>
    public IReadOnlyList<UsageLine> Tenants { get; set; } = [];

    /// <summary>The power controller's recent decisions, newest last (admins only; empty without <c>--power-off-command</c>).</summary>
    public IReadOnlyList<PowerEvent> Events { get; set; } = [];
}

/// <summary>One decision of the power controller: a node switched off, woken, back, or a command that failed.</summary>
public sealed record PowerEvent
{
    /// <summary>When.</summary>
    public DateTimeOffset Time { get; set; }

    /// <summary>Node name.</summary>
    public string Node { get; set; } = "";

    /// <summary><c>PoweredOff</c>, <c>Waking</c>, <c>On</c>, <c>PowerOffFailed</c>, <c>WakeFailed</c>.</summary>
    public string Action { get; set; } = "";

    /// <summary>Why, in words.</summary>
    public string Message { get; set; } = "";
}

/// <summary>One node's power now.</summary>
public sealed record NodePowerLine
{
    /// <summary>Node name.</summary>
    public string Node { get; set; } = "";

    /// <summary>Watts.</summary>
    public double Watts { get; set; }

    /// <summary><c>measured</c> (agent's RAPL and nvidia-smi figures) or <c>estimated</c> (from the node's idle/peak watts and allocation).</summary>
    public string Source { get; set; } = "";
}
