using Lepton.Client.Contracts;
using Lepton.Core.Cluster;
using Lepton.Server.Model;
using Microsoft.Extensions.Hosting;

namespace Lepton.Server.Reclaim;

/// <summary>Watches how long each node has held no task and reports those idle past a threshold as reclaimable.</summary>
/// <remarks>
/// A node's idle clock starts the first time it is seen with nothing bound and resets whenever a task is bound there;
/// Down nodes are not counted (they save nothing: they are already gone). Idle times are kept in memory: after a server
/// restart every node starts a fresh idle clock, which errs on the side of not reclaiming. The tracker samples every
/// second as a hosted service, and again whenever it is read.
/// </remarks>
internal sealed class ReclaimTracker(ControlPlane plane, TimeSpan reclaimAfter) : BackgroundService
{
    private readonly Dictionary<string, DateTimeOffset> _idleSince = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>The nodes idle for at least the threshold, longest idle first, with what they would save.</summary>
    public ReclaimableNodes Report()
    {
        var nodes = new List<ReclaimableNode>();
        var now = plane.Time.GetUtcNow();
        Observe();
        lock (plane.Gate)
        {
            lock (_gate)
            {
                foreach (var (name, since) in _idleSince)
                {
                    if (now - since < reclaimAfter || !plane.Nodes.TryGetValue(name, out var node))
                    {
                        continue;
                    }

                    nodes.Add(new ReclaimableNode
                    {
                        Name = name,
                        State = node.State.ToString(),
                        IdleSince = since,
                        IdleSeconds = Math.Round((now - since).TotalSeconds, 1),
                        GpuModel = node.GpuModel,
                        Gpus = node.Registration.Gpus.Count,
                        PricePerHour = node.Registration.PricePerHour,
                        IdleWatts = node.Registration.IdleWatts,
                    });
                }
            }
        }

        nodes.Sort((a, b) => a.IdleSince != b.IdleSince ? a.IdleSince.CompareTo(b.IdleSince) : string.CompareOrdinal(a.Name, b.Name));
        return new ReclaimableNodes
        {
            ReclaimAfterSeconds = reclaimAfter.TotalSeconds,
            Nodes = nodes,
            PricePerHourSaved = nodes.Sum(n => n.PricePerHour),
            IdleWattsSaved = nodes.Sum(n => n.IdleWatts),
        };
    }

    /// <summary>Samples every node once: starts the idle clock of empty nodes and stops it on busy or Down ones.</summary>
    public void Observe()
    {
        var now = plane.Time.GetUtcNow();
        lock (plane.Gate)
        {
            lock (_gate)
            {
                foreach (var node in plane.Nodes.Values)
                {
                    // TasksOn holds exactly the tasks bound to the node.
                    if (node.EffectiveState == NodeState.Down || plane.TasksOn(node.Name).Count > 0)
                    {
                        _idleSince.Remove(node.Name);
                    }
                    else
                    {
                        _idleSince.TryAdd(node.Name, now);
                    }
                }

                foreach (var name in _idleSince.Keys.Where(n => !plane.Nodes.ContainsKey(n)).ToList())
                {
                    _idleSince.Remove(name);
                }
            }
        }
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), plane.Time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            Observe();
        }
    }
}
