using System.CommandLine;
using System.Globalization;
using Lepton.Simulation.Experiments;
using Lepton.Simulation.Traces;
using Spectre.Console;

namespace Lepton.Cli.Commands.Simulate;

/// <summary><c>lepton simulate predict</c>: runtime prediction on the Philly subset (train on the earlier 80 % by submit
/// time, test on the rest) for Lepton's predictor and two baselines. The FastTree comparison is
/// <c>benchmarks/Lepton.RuntimePrediction</c>, kept out of the tool so that it does not carry ML.NET.</summary>
internal static class PredictSimulateCommand
{
    /// <summary>Builds the subcommand.</summary>
    public static Command Build()
    {
        var path = new Option<string>("--path") { Description = "The Philly subset's train.csv.", DefaultValueFactory = _ => "../shared/traces/philly-subset/train.csv" };
        var share = new Option<double>("--train-share") { Description = "Share of jobs (earliest by submit time) to train on.", DefaultValueFactory = _ => 0.8 };
        var command = new Command("predict", "Runtime prediction on the Philly subset: median absolute error and share within 2x, against the user's-previous-job and tenant-median baselines.")
        {
            path, share,
        };
        command.SetAction((parse, _) =>
        {
            var trainShare = parse.GetValue(share);
            if (!(trainShare > 0 && trainShare < 1))
            {
                throw new CliError("--train-share must be between 0 and 1", 2);
            }

            IReadOnlyList<PhillyJob> jobs;
            try
            {
                jobs = PhillyTraceReader.Read(parse.GetValue(path)!);
            }
            catch (Exception e) when (e is TraceFormatException or IOException)
            {
                throw new CliError(e.Message);
            }

            var (train, test) = PredictionExperiment.Split(jobs, trainShare);
            Console.WriteLine($"{train.Count} training jobs, {test.Count} test jobs (split by submit time)");
            var table = new Table().AddColumns("method", "median |error| min", "within 2x", "band coverage");
            foreach (var s in PredictionExperiment.RunSimple(train, test))
            {
                table.AddRow(s.Method, s.MedianAbsoluteErrorMinutes.ToString("0.0", CultureInfo.InvariantCulture), s.WithinFactorTwo.ToString("P1", CultureInfo.InvariantCulture),
                    s.BandCoverage is { } c ? c.ToString("P1", CultureInfo.InvariantCulture) : "-");
            }

            AnsiConsole.Write(table);
            return Task.FromResult(0);
        });
        return command;
    }
}
