using System.CommandLine;
using Lepton.Cli.Commands.Simulate;

namespace Lepton.Cli.Commands;

/// <summary><c>lepton simulate</c>: trace-driven simulation on Lepton's placement core (openb experiment, job traces).</summary>
internal sealed class SimulateCommand : ICliCommand
{
    /// <inheritdoc/>
    public Command Build() => new("simulate", "Replay traces on the placement core: the openb GPU-sharing experiment or a job trace over time.")
    {
        OpenbSimulateCommand.Build(),
        JobsSimulateCommand.Build(),
        TopologySimulateCommand.Build(),
        FairnessSimulateCommand.Build(),
        PredictSimulateCommand.Build(),
        EtaSimulateCommand.Build(),
    };
}
