using Lepton.Core.Cluster;
using Lepton.Core.Workloads;

namespace Lepton.Core.Placement.Framework;

/// <summary>What plugins read during one engine's scans: the cluster, the tie-break ranks, per-task lookup tables and the run's random source.</summary>
/// <remarks>All tables are allocated once per engine so that a placement allocates nothing.</remarks>
internal sealed class PlacementContext
{
    // Presized so that the first placements of a run do not allocate while the shapes are being seen.
    private readonly Dictionary<(long Cpu, int N, int G), int> _shapes = new(1024);

    public PlacementContext(ClusterState cluster, int[] ranks, Random random)
    {
        Cluster = cluster;
        Ranks = ranks;
        Random = random;
        ModelAllowed = new bool[cluster.Models.Count];
        LabelMatch = new bool[cluster.LabelSets.Length];
        ModelThroughput = new double[cluster.Models.Count];
    }

    public ClusterState Cluster { get; }

    /// <summary>Equivalence classes of nodes, or null when the policy scans every node (random).</summary>
    public NodeClasses? Classes { get; set; }

    /// <summary>Tie-break rank per node: among equal scores the lowest rank wins.</summary>
    public int[] Ranks { get; }

    public Random Random { get; }

    /// <summary>The power model of power-aware policies (null: the default model).</summary>
    public Power.PowerModel? PowerModel { get; set; }

    /// <summary>The cluster's power, when a power-aware policy tracks it (its GPU choice needs it too).</summary>
    public Power.ClusterPower? Power { get; set; }

    /// <summary><c>powerfgd</c>'s watts per GPU of fragmentation (0 for other policies).</summary>
    public double PowerWattsPerGpu { get; set; }

    /// <summary>Per GPU model id: allowed for the current task.</summary>
    public bool[] ModelAllowed { get; }

    /// <summary>Per label-set id: matches the current task's node selector.</summary>
    public bool[] LabelMatch { get; }

    /// <summary>Per GPU model id: the current task's throughput there (0 when the table does not name the model).</summary>
    public double[] ModelThroughput { get; }

    /// <summary>The highest value in <see cref="ModelThroughput"/> for the current task (0 without a table).</summary>
    public double BestThroughput { get; private set; }

    /// <summary>Compiles a task and fills the per-task tables.</summary>
    public TaskDemand Prepare(TaskRequest task)
    {
        var demand = TaskDemand.From(task);
        if (!_shapes.TryGetValue((demand.Cpu, demand.N, demand.G), out var shape))
        {
            shape = _shapes.Count;
            _shapes.Add((demand.Cpu, demand.N, demand.G), shape);
        }

        demand.Shape = shape;
        if (!demand.AnyModel)
        {
            Array.Clear(ModelAllowed);
            var models = task.GpuModels;
            for (var i = 0; i < models.Count; i++)
            {
                var id = Cluster.ModelIdOf(models[i]);
                if (id >= 0)
                {
                    ModelAllowed[id] = true;
                }
            }
        }

        if (demand.MaxPerNode > 0)
        {
            demand.Group = Cluster.GroupIdOf(task.ReplicaGroup);
        }

        BestThroughput = 0;
        if (demand.HasThroughput)
        {
            Array.Clear(ModelThroughput);
            if (task.GpuModelThroughput is Dictionary<string, double> concrete)
            {
                foreach (var (model, value) in concrete)
                {
                    SetThroughput(model, value);
                }
            }
            else
            {
                foreach (var (model, value) in task.GpuModelThroughput)
                {
                    SetThroughput(model, value);
                }
            }
        }

        if (demand.HasSelector)
        {
            var sets = Cluster.LabelSets;
            for (var s = 0; s < sets.Length; s++)
            {
                LabelMatch[s] = Matches(sets[s], task.NodeSelector);
            }
        }

        return demand;
    }

    private void SetThroughput(string model, double value)
    {
        var id = Cluster.ModelIdOf(model);
        if (id >= 0 && double.IsFinite(value) && value > 0)
        {
            ModelThroughput[id] = value;
            BestThroughput = Math.Max(BestThroughput, value);
        }
    }

    private static bool Matches(IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> selector)
    {
        // A concrete Dictionary enumerates without allocating; other dictionaries pay one enumerator per label set.
        if (selector is Dictionary<string, string> concrete)
        {
            foreach (var (key, value) in concrete)
            {
                if (!labels.TryGetValue(key, out var actual) || !string.Equals(actual, value, StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }

        foreach (var (key, value) in selector)
        {
            if (!labels.TryGetValue(key, out var actual) || !string.Equals(actual, value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
