using System.Globalization;
using Lepton.Client.Contracts;
using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Placement.Consolidation;
using Lepton.Core.Queueing;
using Lepton.Server.Auth;
using Lepton.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lepton.Server.Apis;

/// <summary><c>GET /api/v1/cluster/consolidation</c> (admin): the fewest moves of preemptible jobs that free the most whole
/// GPUs or nodes; <c>POST</c> computes the same plan and requeues the moved jobs through the preemption path.</summary>
/// <remarks>Only jobs of one replica move (evicting one replica of a gang would requeue the whole gang). The plan's
/// destinations show that room exists; the requeued job is placed afresh by the scheduler's next cycle.</remarks>
internal static class ConsolidationEndpoints
{
    /// <summary>Most moves one request may ask for.</summary>
    public const int MaxMovesLimit = 1000;

    public static void Map(IEndpointRouteBuilder api, ControlPlane plane)
    {
        var group = api.MapGroup("/cluster").WithTags("Cluster").AddEndpointFilter(new CallerFilter(plane, [TokenKind.Admin]));
        group.MapGet("/consolidation", (string? goal, string? maxMoves) =>
                Results.Json(Plan(plane, ParseGoal(goal), ParseCap(maxMoves)).View, LeptonJsonContext.Default.ConsolidationView))
            .Produces<ConsolidationView>().ProducesProblem(400);
        group.MapPost("/consolidation", async (string? goal, string? maxMoves) =>
            {
                var (view, jobs) = Plan(plane, ParseGoal(goal), ParseCap(maxMoves));
                var requeued = await plane.MutateAsync(tx =>
                {
                    var now = plane.Time.GetUtcNow();
                    var done = new List<long>();
                    foreach (var id in jobs)
                    {
                        // The job may have ended or moved since the plan was read: requeue only what still runs as planned.
                        if (plane.Jobs.TryGetValue(id, out var job) && job.Preemptible && job.Tasks.Count > 0 && job.Tasks.All(t => t.IsBound))
                        {
                            JobOperations.Requeue(tx, job, new PendingReasonView
                            {
                                Code = QueueReasonCodes.Preempted,
                                Message = "moved by consolidation to free whole " + view.Goal,
                            }, now, "Consolidated");
                            done.Add(id);
                        }
                    }

                    return done;
                });
                view.Applied = true;
                view.RequeuedJobs = requeued;
                return Results.Json(view, LeptonJsonContext.Default.ConsolidationView);
            })
            .Produces<ConsolidationView>().ProducesProblem(400);
    }

    private static ConsolidationGoal ParseGoal(string? goal) => (goal ?? "gpus").Trim().ToLowerInvariant() switch
    {
        "gpus" => ConsolidationGoal.Gpus,
        "nodes" => ConsolidationGoal.Nodes,
        _ => throw ApiException.BadField("goal", "must be gpus or nodes"),
    };

    private static int ParseCap(string? maxMoves)
    {
        if (maxMoves is null)
        {
            return 10;
        }

        return int.TryParse(maxMoves, NumberStyles.None, CultureInfo.InvariantCulture, out var cap) && cap <= MaxMovesLimit
            ? cap
            : throw ApiException.BadField("maxMoves", $"must be an integer in 0..{MaxMovesLimit}");
    }

    /// <summary>Reads the bound tasks under the model lock, plans outside it, and maps the moves back to jobs.</summary>
    private static (ConsolidationView View, List<long> Jobs) Plan(ControlPlane plane, ConsolidationGoal goal, int cap)
    {
        ClusterState cluster;
        string[] names;
        NodeRegistration[] registrations;
        var movable = new List<MovableTask>();
        var replicaOf = new List<(long Job, int Replica)>();
        lock (plane.Gate)
        {
            var nodes = plane.Nodes.Values.OrderBy(n => n.Name, StringComparer.Ordinal).ToArray();
            names = [.. nodes.Select(n => n.Name)];
            registrations = [.. nodes.Select(n => n.Registration)];
            cluster = new ClusterState([.. nodes.Select(n => n.ToSpec())]);
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < names.Length; i++)
            {
                index[names[i]] = i;
            }

            foreach (var task in plane.Tasks.Values)
            {
                if (!task.IsBound || task.Node is not { } name || !index.TryGetValue(name, out var node) || !plane.Jobs.TryGetValue(task.JobId, out var job)
                    || task.Replica < 0 || task.Replica >= job.Requests.Count)
                {
                    continue;
                }

                var request = job.Requests[task.Replica];
                var gpus = GpuSet.Empty;
                foreach (var device in task.Gpus)
                {
                    var ordinal = NodeOperations.IndexOfGpu(registrations[node], device);
                    if (ordinal >= 0)
                    {
                        gpus = gpus.With(ordinal);
                    }
                }

                try
                {
                    cluster.Allocate(node, request, gpus);
                }
                catch (InvalidOperationException)
                {
                    // A binding the node cannot hold (the scheduler requeues it): it frees nothing and blocks nothing here.
                    continue;
                }

                if (job.Preemptible && job.Requests.Count == 1)
                {
                    movable.Add(new MovableTask(job.Id.ToString(CultureInfo.InvariantCulture), request, new NodePlacement(node, gpus)));
                    replicaOf.Add((job.Id, task.Replica));
                }
            }
        }

        var plan = new GreedyConsolidationPlanner().Plan(new ConsolidationRequest(cluster, movable) { Goal = goal, MaxMoves = cap });
        var view = new ConsolidationView
        {
            Goal = goal == ConsolidationGoal.Nodes ? "nodes" : "gpus",
            MaxMoves = cap,
            Moves = [.. plan.Moves.Select(m => new ConsolidationMoveView
            {
                JobId = replicaOf[m.Task].Job,
                Replica = replicaOf[m.Task].Replica,
                FromNode = names[m.From.Node],
                FromGpus = DeviceIndices(registrations[m.From.Node], m.From.Gpus),
                ToNode = names[m.To.Node],
                ToGpus = DeviceIndices(registrations[m.To.Node], m.To.Gpus),
            })],
            FreeGpusBefore = plan.FreeGpusBefore,
            FreeGpusAfter = plan.FreeGpusAfter,
            FreeNodesBefore = plan.FreeNodesBefore,
            FreeNodesAfter = plan.FreeNodesAfter,
            Source = plan.Source,
            Note = plan.Note,
        };
        return (view, [.. plan.Moves.Select(m => replicaOf[m.Task].Job).Distinct()]);
    }

    private static int[] DeviceIndices(NodeRegistration registration, GpuSet gpus) =>
        [.. gpus.ToArray().Select(i => i < registration.Gpus.Count ? registration.Gpus[i].Index : i)];
}
