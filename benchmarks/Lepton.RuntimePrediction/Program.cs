using System.Globalization;
using Lepton.Simulation.Experiments;
using Lepton.Simulation.Traces;
using Microsoft.ML;
using Microsoft.ML.Data;

// Runtime prediction on the Philly subset: train on the earlier 80 % of train.csv by submit time, test on the rest.
// Usage: dotnet run -c Release --project benchmarks/Lepton.RuntimePrediction [-- PATH/TO/philly-subset/train.csv]
var path = args.Length > 0 ? args[0] : "../shared/traces/philly-subset/train.csv";
var (train, test) = PredictionExperiment.Split(PhillyTraceReader.Read(path));
Console.WriteLine($"Philly subset: {train.Count} training jobs, {test.Count} test jobs (by submit time)");
var scores = new List<PredictionScore>(PredictionExperiment.RunSimple(train, test));

// ML.NET FastTree (boosted trees) on log run time, with the features a scheduler has: tenant and user (one-hot), GPUs.
var ml = new MLContext(seed: 1);
PhillyRow Row(PhillyJob j) => new() { Tenant = j.Tenant, User = j.User, Gpus = j.Gpus, LogMinutes = (float)Math.Log(j.Runtime.TotalMinutes) };
var trainData = ml.Data.LoadFromEnumerable(train.Select(Row));
var pipeline = ml.Transforms.Categorical.OneHotEncoding([new("TenantKey", "Tenant"), new("UserKey", "User")])
    .Append(ml.Transforms.Concatenate("Features", "TenantKey", "UserKey", "Gpus"))
    .Append(ml.Regression.Trainers.FastTree(labelColumnName: "LogMinutes", featureColumnName: "Features", numberOfLeaves: 16,
        numberOfTrees: 200, minimumExampleCountPerLeaf: 10, learningRate: 0.1));
var model = pipeline.Fit(trainData);
var predicted = ml.Data.CreateEnumerable<PhillyPrediction>(model.Transform(ml.Data.LoadFromEnumerable(test.Select(Row))), reuseRowObject: false)
    .Select(p => Math.Exp(p.Score)).ToList();
scores.Add(PredictionExperiment.Score("ML.NET FastTree (log run time)", test, predicted));

Console.WriteLine($"{"method",-42} {"median |error| min",18} {"within 2x",10} {"band coverage",14}");
foreach (var s in scores)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{s.Method,-42} {s.MedianAbsoluteErrorMinutes,18:0.0} {s.WithinFactorTwo,10:P1} {(s.BandCoverage is { } c ? c.ToString("P1", CultureInfo.InvariantCulture) : "-"),14}"));
}

/// <summary>One Philly job as ML.NET reads it.</summary>
internal sealed class PhillyRow
{
    public string Tenant { get; set; } = "";
    public string User { get; set; } = "";
    public float Gpus { get; set; }
    public float LogMinutes { get; set; }
}

/// <summary>FastTree's output.</summary>
internal sealed class PhillyPrediction
{
    [ColumnName("Score")]
    public float Score { get; set; }
}
