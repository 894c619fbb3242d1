using Lepton.Core.Prediction;
using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Experiments;

/// <summary>Runtime prediction on the Philly subset: train on the earlier part by submit time, test on the rest, against
/// two baselines (the user's previous job; the tenant's median).</summary>
public static class PredictionExperiment
{
    /// <summary>The features a scheduler has for a Philly job.</summary>
    public static RuntimeFeatures Features(PhillyJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new RuntimeFeatures(job.Tenant, job.User, "", "", job.Gpus * 1000L, (job.Gpus + PhillyTraceReader.GpusPerNode - 1) / PhillyTraceReader.GpusPerNode, "", null);
    }

    /// <summary>Splits <paramref name="jobs"/> (any order) by submit time: the first <paramref name="trainShare"/> trains.</summary>
    public static (List<PhillyJob> Train, List<PhillyJob> Test) Split(IReadOnlyList<PhillyJob> jobs, double trainShare = 0.8)
    {
        var ordered = jobs.OrderBy(j => j.Submitted).ToList();
        var cut = (int)Math.Round(ordered.Count * trainShare);
        return (ordered[..cut], ordered[cut..]);
    }

    /// <summary>Scores predictions (minutes) against the actual run times.</summary>
    public static PredictionScore Score(string method, IReadOnlyList<PhillyJob> test, IReadOnlyList<double> predictedMinutes,
        IReadOnlyList<(double Low, double High)>? bands = null)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(predictedMinutes);
        var errors = new List<double>(test.Count);
        var within = 0;
        var covered = 0;
        for (var i = 0; i < test.Count; i++)
        {
            var actual = test[i].Runtime.TotalMinutes;
            var p = Math.Max(1e-6, predictedMinutes[i]);
            errors.Add(Math.Abs(p - actual));
            if (p / actual is >= 0.5 and <= 2)
            {
                within++;
            }

            if (bands is not null && actual >= bands[i].Low && actual <= bands[i].High)
            {
                covered++;
            }
        }

        errors.Sort();
        var median = errors.Count == 0 ? 0 : errors.Count % 2 == 1 ? errors[errors.Count / 2] : (errors[errors.Count / 2 - 1] + errors[errors.Count / 2]) / 2;
        return new PredictionScore(method, test.Count, median, test.Count == 0 ? 0 : (double)within / test.Count,
            bands is null || test.Count == 0 ? null : (double)covered / test.Count);
    }

    /// <summary>The simple estimators: user's previous job, tenant median, and <see cref="RuntimePredictor"/> (trained on
    /// the training jobs only, and online: also learning each test job once it has been predicted).</summary>
    public static IReadOnlyList<PredictionScore> RunSimple(IReadOnlyList<PhillyJob> train, IReadOnlyList<PhillyJob> test)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        var global = Median(train.Select(j => j.Runtime.TotalMinutes));
        var byTenant = train.GroupBy(j => j.Tenant).ToDictionary(g => g.Key, g => Median(g.Select(j => j.Runtime.TotalMinutes)));
        var lastOfUser = new Dictionary<string, double>();
        foreach (var job in train)
        {
            lastOfUser[job.User] = job.Runtime.TotalMinutes;
        }

        double Tenant(PhillyJob j) => byTenant.TryGetValue(j.Tenant, out var m) ? m : global;
        var previous = test.Select(j => lastOfUser.TryGetValue(j.User, out var m) ? m : Tenant(j)).ToList();
        var tenant = test.Select(Tenant).ToList();

        var predictor = new RuntimePredictor();
        foreach (var job in train)
        {
            predictor.Observe(Features(job), job.Runtime);
        }

        var (medians, bands) = Predict(predictor, test, learn: false);
        var online = new RuntimePredictor();
        foreach (var job in train)
        {
            online.Observe(Features(job), job.Runtime);
        }

        var (onlineMedians, onlineBands) = Predict(online, test, learn: true);
        return
        [
            Score("baseline: user's previous job", test, previous),
            Score("baseline: tenant median", test, tenant),
            Score("hierarchical medians (RuntimePredictor)", test, medians, bands),
            Score("hierarchical medians, online", test, onlineMedians, onlineBands),
        ];
    }

    private static (List<double> Minutes, List<(double, double)> Bands) Predict(RuntimePredictor predictor, IReadOnlyList<PhillyJob> test, bool learn)
    {
        var minutes = new List<double>(test.Count);
        var bands = new List<(double, double)>(test.Count);
        foreach (var job in test)
        {
            var p = predictor.Predict(Features(job))!;
            minutes.Add(p.Expected.TotalMinutes);
            bands.Add((p.Low.TotalMinutes, p.High.TotalMinutes));
            if (learn)
            {
                predictor.Observe(Features(job), job.Runtime);
            }
        }

        return (minutes, bands);
    }

    /// <summary>The median of <paramref name="values"/> (0 when empty).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
