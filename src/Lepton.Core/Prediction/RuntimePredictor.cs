namespace Lepton.Core.Prediction;

/// <summary>Predicts a job's run time from the run times of finished jobs that share its features, learning online.</summary>
/// <remarks>
/// <para>Hierarchical medians in log space: the estimate is the median of the most specific group of past jobs with at
/// least <see cref="MinSamples"/> members, tried in the order user+name, user+command, user+GPUs, user, tenant+name,
/// tenant+GPUs, tenant, everything. The band is that group's 25th to 75th percentile. A declared limit caps all three
/// (a job never runs past its limit) and, with no history at all, is the estimate. Each group keeps its most recent
/// <see cref="Window"/> run times, so the estimate follows a user whose jobs change.</para>
/// <para>Why not a boosted-tree regressor: on the Philly subset (train on the earlier 80 % by submit time, test on the
/// rest; <c>benchmarks/Lepton.RuntimePrediction</c>) ML.NET's FastTree on the features a scheduler has did not clearly beat
/// these medians trained once (median absolute error 609 vs 705 min, within 2x 42.3 % vs 41.9 %), and the medians
/// learning online, as the server and simulator use them, beat both (334 min, 53.8 %; baselines: tenant median 366 min,
/// 42.6 %; user's previous job 693 min, 32.1 %). The medians also update in O(log n) per finished job where a tree model
/// needs a refit, and explain themselves (<see cref="RuntimePrediction.Basis"/>).</para>
/// <para>Pure and deterministic. Concurrent <see cref="Predict"/> calls are safe; <see cref="Observe"/> is not (the server learns into a fresh instance).</para>
/// </remarks>
public sealed class RuntimePredictor
{
    private readonly Dictionary<string, Group> _groups = new(StringComparer.Ordinal);

    /// <summary>Fewest past jobs a group needs to be used.</summary>
    public int MinSamples { get; init; } = 3;

    /// <summary>Most recent run times kept per group.</summary>
    public int Window { get; init; } = 200;

    /// <summary>Finished jobs observed so far.</summary>
    public int Observed { get; private set; }

    /// <summary>Learns one finished job's run time.</summary>
    public void Observe(RuntimeFeatures features, TimeSpan runtime)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (runtime <= TimeSpan.Zero || runtime == TimeSpan.MaxValue)
        {
            return;
        }

        var value = Math.Log(runtime.TotalSeconds);
        foreach (var (key, _) in Keys(features))
        {
            if (key is null)
            {
                continue;
            }

            if (!_groups.TryGetValue(key, out var group))
            {
                group = new Group();
                _groups[key] = group;
            }

            group.Add(value, Window);
        }

        Observed++;
    }

    /// <summary>The prediction for <paramref name="features"/>; null when there is neither history nor a declared limit.</summary>
    public RuntimePrediction? Predict(RuntimeFeatures features)
    {
        ArgumentNullException.ThrowIfNull(features);
        foreach (var (key, label) in Keys(features))
        {
            if (key is not null && _groups.TryGetValue(key, out var group) && group.Count >= MinSamples)
            {
                var (low, mid, high) = group.Quartiles();
                return Cap(new RuntimePrediction(Seconds(mid), Seconds(low), Seconds(high), $"{label} ({group.Count} jobs)"), features.DeclaredLimit);
            }
        }

        return features.DeclaredLimit is { } limit && limit > TimeSpan.Zero
            ? new RuntimePrediction(limit, TimeSpan.Zero, limit, "declared limit")
            : null;
    }

    private static RuntimePrediction Cap(RuntimePrediction p, TimeSpan? limit) => limit is { } l && l > TimeSpan.Zero
        ? new RuntimePrediction(Min(p.Expected, l), Min(p.Low, l), Min(p.High, l), p.Basis + ", capped by the declared limit")
        : p;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Seconds(double log) => TimeSpan.FromSeconds(Math.Min(Math.Exp(log), TimeSpan.MaxValue.TotalSeconds / 2));

    /// <summary>The groups a job belongs to, most specific first; a null key is a group the job lacks the feature for.</summary>
    private static IEnumerable<(string? Key, string Label)> Keys(RuntimeFeatures f)
    {
        var user = f.User.Length > 0 ? f.User : null;
        var shape = $"{f.GpuMilli}x{f.Replicas}@{f.GpuModel}";
        yield return (user is not null && f.Name.Length > 0 ? $"un\u001f{f.Tenant}\u001f{user}\u001f{f.Name}" : null, "user+name");
        yield return (user is not null && f.Command.Length > 0 ? $"uc\u001f{f.Tenant}\u001f{user}\u001f{f.Command}" : null, "user+command");
        yield return (user is not null ? $"ug\u001f{f.Tenant}\u001f{user}\u001f{shape}" : null, "user+resources");
        yield return (user is not null ? $"u\u001f{f.Tenant}\u001f{user}" : null, "user");
        yield return (f.Name.Length > 0 ? $"tn\u001f{f.Tenant}\u001f{f.Name}" : null, "tenant+name");
        yield return ($"tg\u001f{f.Tenant}\u001f{shape}", "tenant+resources");
        yield return ($"t\u001f{f.Tenant}", "tenant median");
        yield return ("*", "all jobs");
    }

    /// <summary>The most recent log run times of one group, and a sorted copy for the quartiles.</summary>
    private sealed class Group
    {
        private readonly Queue<double> _recent = new();
        private readonly List<double> _sorted = [];

        public int Count => _recent.Count;

        public void Add(double value, int window)
        {
            _recent.Enqueue(value);
            Insert(value);
            if (_recent.Count > window)
            {
                var old = _recent.Dequeue();
                var at = _sorted.BinarySearch(old);
                _sorted.RemoveAt(at >= 0 ? at : ~at);
            }
        }

        public (double Low, double Mid, double High) Quartiles() => (At(0.25), At(0.5), At(0.75));

        private double At(double q)
        {
            var position = q * (_sorted.Count - 1);
            var below = (int)Math.Floor(position);
            var above = Math.Min(_sorted.Count - 1, below + 1);
            return _sorted[below] + (_sorted[above] - _sorted[below]) * (position - below);
        }

        private void Insert(double value)
        {
            var i = _sorted.BinarySearch(value);
            _sorted.Insert(i >= 0 ? i : ~i, value);
        }
    }
}
