using Lepton.Core.Placement;
using Lepton.Core.Topology;
using Lepton.Simulation.Jobs;
using Lepton.Simulation.Topology;
using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Tests.Topology;

public sealed class TopologySimulationTests
{
    private static readonly SyntheticTopology Small = new() { Nodes = 120, Zones = 3, Racks = 6, Jobs = 150, ArrivalsPerHour = 20, Seed = 7 };

    [Fact]
    public void SyntheticTopology_SameSeed_SameClusterAndWorkload()
    {
        var a = Small.Workload();
        var b = Small.Workload();

        Assert.Equal(a.Select(j => (j.Name, j.Arrival, j.Duration, j.Replicas.Count)), b.Select(j => (j.Name, j.Arrival, j.Duration, j.Replicas.Count)));
        var cluster = Small.Cluster();
        Assert.Equal(120, cluster.Count);
        Assert.Equal(6, cluster.Where(n => n.Labels["tier"] == "cloud").Select(n => n.Labels["rack"]).Distinct().Count());
        Assert.Equal(3, cluster.Select(n => n.Labels["zone"]).Distinct().Count());
        Assert.Equal(12, cluster.Count(n => n.Labels["tier"] == "edge"));
    }

    [Fact]
    public void Run_TopologyAwareVersusBlind_FewerCrossRackGangsNoLatencyMisses()
    {
        var cluster = Small.Cluster();
        var jobs = Small.Workload();
        var policy = PolicyRegistry.Get("spread");

        var aware = TopologySummary.Of("aware", JobSimulation.Run(cluster, jobs, policy, new JobSimulationOptions { Network = NetworkTopology.Default, Seed = 7 }), jobs);
        var blind = TopologySummary.Of("blind", JobSimulation.Run(cluster, jobs, policy, new JobSimulationOptions { Network = NetworkTopology.Default, Seed = 7, TopologyBlind = true }), jobs);

        Assert.True(aware.Gangs > 0 && aware.LatencyJobs > 0);
        Assert.True(aware.GangsCrossRack < blind.GangsCrossRack, $"aware {aware.GangsCrossRack}, blind {blind.GangsCrossRack}");
        Assert.True(aware.CrossRackTrafficTiB < blind.CrossRackTrafficTiB);
        Assert.Equal(0, aware.LatencyMisses);
        Assert.True(blind.LatencyMisses > 0);
        Assert.True(aware.AverageTransfer <= blind.AverageTransfer);
    }

    [Fact]
    public void Run_DataJob_RunTimeIncludesTransferEstimate()
    {
        var cluster = Small.Cluster();
        var job = Small.Workload().First(j => j.Replicas[0].Data is not null && j.Replicas.Count == 1);
        var alone = job with { Arrival = TimeSpan.Zero };

        var result = JobSimulation.Run(cluster, [alone], PolicyRegistry.Get("bestfit"), new JobSimulationOptions { Network = NetworkTopology.Default });

        var outcome = Assert.Single(result.Jobs);
        var effect = outcome.Topology!;
        Assert.Equal(0, effect.DataMovedGiB);   // an empty cluster has room next to the data
        Assert.True(effect.TransferTime > TimeSpan.Zero);
        Assert.Equal(alone.Duration + effect.TransferTime, outcome.Finish!.Value - outcome.Start!.Value);
    }

    [Fact]
    public void NetworkFileReader_Overrides_KeepDefaultsElsewhere()
    {
        var model = NetworkFileReader.Read(new StringReader("""
            uplinks:
              zone: {bandwidth: 40Gbps}
            tiers:
              edge: {accessMs: 1}
            remoteDataAllowance: 0.5
            """), "net.yaml");

        Assert.Equal(new NetworkLink(40, 1), model.Uplinks["zone"]);
        Assert.Equal(new NetworkLink(50, 0.02), model.Uplinks["rack"]);
        Assert.Equal(1, model.AccessLatencyMs["edge"]);
        Assert.Equal(new NetworkLink(5, 2), model.TierUplinks["edge"]);
        Assert.Equal(0.5, model.RemoteDataAllowance);
    }

    [Theory]
    [InlineData("uplinks: {zone: {bandwidth: 0Gbps}}\n", "uplinks.zone.bandwidth")]
    [InlineData("uplinks: {floor: {bandwidth: 1Gbps}}\n", "uplinks.floor")]
    [InlineData("levels: [zone, node]\n", "levels")]
    [InlineData("tiers: {edge: {accessMs: fast}}\n", "tiers.edge.accessMs")]
    public void NetworkFileReader_BadField_NamesFileLineAndField(string yaml, string field)
    {
        var error = Assert.Throws<TraceFormatException>(() => NetworkFileReader.Read(new StringReader(yaml), "net.yaml"));

        Assert.StartsWith($"net.yaml:1: {field}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadYaml_PlacementFields_ReachTheReplicas()
    {
        var jobs = JobFileReader.ReadYaml(new StringReader("""
            jobs:
              - name: train
                duration: 2h
                replicas: 2
                resources: {cpu: 4, memory: 16Gi, gpu: 8}
                topology: {preferred: rack, nvlink: true}
                data: {name: imagenet, size: 500Gi, at: zone-1}
              - name: chat
                duration: 30m
                resources: {cpu: 1, memory: 1Gi, gpu: 1}
                latency: {users: zone-2, budgetMs: 10}
            """), "jobs.yaml");

        Assert.All(jobs[0].Replicas, r => Assert.Equal(new TopologyRequirement("rack", false, true), r.Topology));
        Assert.Equal(new DataRequirement("imagenet", 500L * 1024, "zone-1", TimeSpan.FromHours(2)), jobs[0].Replicas[0].Data);
        Assert.Equal(new LatencyRequirement("zone-2", 10), jobs[1].Replicas[0].Latency);
    }
}
