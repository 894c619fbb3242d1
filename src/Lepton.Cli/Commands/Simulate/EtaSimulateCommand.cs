using System.CommandLine;
using System.Globalization;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Simulation.Experiments;
using Spectre.Console;

namespace Lepton.Cli.Commands.Simulate;

/// <summary><c>lepton simulate eta</c>: how far "when will it start?" forecasts are from the real starts on the Philly
/// subset, with true, learned and no run times.</summary>
internal static class EtaSimulateCommand
{
    /// <summary>Builds the subcommand.</summary>
    public static Command Build()
    {
        var path = new Option<string>("--path") { Description = "The philly-subset folder.", DefaultValueFactory = _ => "../shared/traces/philly-subset" };
        var gpus = new Option<int>("--gpus") { Description = "Cluster GPUs (8-GPU nodes).", DefaultValueFactory = _ => 256 };
        var sample = new Option<int>("--sample") { Description = "Ask for every Nth job's ETA.", DefaultValueFactory = _ => 10 };
        var maxJobs = new Option<int>("--max-jobs") { Description = "Only the first N jobs by arrival (0: all).", DefaultValueFactory = _ => 0 };
        var command = new Command("eta", "ETA accuracy on the Philly subset: forecast each (sampled) job's start at its arrival by replaying the queue forward; median and p90 error with true, learned and no run times.")
        {
            path, gpus, sample, maxJobs,
        };
        command.SetAction((parse, _) =>
        {
            if (parse.GetValue(sample) < 1 || parse.GetValue(gpus) < 8 || parse.GetValue(maxJobs) < 0)
            {
                throw new CliError("--sample must be at least 1, --gpus at least 8, --max-jobs not negative", 2);
            }

            var (nodes, jobs, _) = FairnessSimulateCommand.Philly(parse.GetValue(path)!, parse.GetValue(gpus), null);
            if (parse.GetValue(maxJobs) > 0)
            {
                jobs = [.. jobs.OrderBy(j => j.Arrival).Take(parse.GetValue(maxJobs))];
            }

            Console.WriteLine($"philly: {jobs.Count} jobs on {nodes.Count * 8} GPUs; an ETA for every {parse.GetValue(sample)}th job at its arrival");
            var table = new Table().AddColumns("durations", "jobs", "median error h", "p90 error h");
            foreach (var s in EtaExperiment.Run(nodes, jobs, PolicyRegistry.Get("bestfit"), QueueDiscipline.Default, parse.GetValue(sample)))
            {
                table.AddRow(s.Durations, s.Jobs.ToString(CultureInfo.InvariantCulture), s.MedianErrorHours.ToString("0.00", CultureInfo.InvariantCulture),
                    s.P90ErrorHours.ToString("0.00", CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(table);
            return Task.FromResult(0);
        });
        return command;
    }
}
