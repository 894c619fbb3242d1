using Lepton.Core.Cluster;
using Lepton.Core.Placement.Batch;

namespace Lepton.Core.Placement.Consolidation;

/// <summary>A fast consolidation plan: empty the cheapest donors first (the GPU or node whose movable tasks are fewest),
/// moving each of their tasks to the tightest room on GPUs or nodes that are already in use.</summary>
/// <remarks>
/// <para>Goal <see cref="ConsolidationGoal.Gpus"/>: a donor is a GPU in use only by movable GPU shares; its shares move to
/// the partly used GPU (elsewhere) with the least room that still fits them, never to a fully free GPU (that would use
/// up a whole GPU to free one). Goal <see cref="ConsolidationGoal.Nodes"/>: a donor is a Ready node running only movable
/// tasks; they move to other nodes already running something, best fit. Donors are taken in order of fewest moves, so
/// the first moves free the most per move; a donor whose tasks do not all fit, or that would pass the cap, is skipped
/// whole. A GPU or node that received tasks is never a donor (no task moves twice), and an emptied one never receives.</para>
/// <para>Every move goes through <see cref="ClusterState.Allocate"/> (which refuses any overfill) and passes all of Core's
/// filters for the task, so a plan never overfills a node. Gang members (tasks with a gang id) do not move: evicting one
/// replica would requeue the whole gang.</para>
/// </remarks>
public sealed class GreedyConsolidationPlanner : IConsolidationPlanner
{
    /// <inheritdoc/>
    public ConsolidationPlan Plan(ConsolidationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegative(request.MaxMoves);
        var cluster = request.Cluster;
        var gpusBefore = FreeGpus(cluster);
        var nodesBefore = FreeNodes(cluster);
        var moves = new List<ConsolidationMove>();
        try
        {
            if (request.Goal == ConsolidationGoal.Gpus)
            {
                FreeGpusByMoves(request, moves);
            }
            else
            {
                FreeNodesByMoves(request, moves);
            }

            return new ConsolidationPlan([.. moves], gpusBefore, FreeGpus(cluster), nodesBefore, FreeNodes(cluster), "greedy")
            {
                Note = "greedy: cheapest donors first, tightest fit on GPUs or nodes already in use",
            };
        }
        finally
        {
            for (var k = moves.Count - 1; k >= 0; k--)
            {
                var task = request.Movable[moves[k].Task].Task;
                cluster.Release(moves[k].To.Node, task, moves[k].To.Gpus);
                cluster.Allocate(moves[k].From.Node, task, moves[k].From.Gpus);
            }
        }
    }

    /// <summary>Fully free GPUs on Ready nodes.</summary>
    public static int FreeGpus(ClusterState cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var free = 0;
        for (var n = 0; n < cluster.NodeCount; n++)
        {
            if (cluster.StateOf(n) != NodeState.Ready)
            {
                continue;
            }

            foreach (var f in cluster.GpuFreeSpan(n))
            {
                free += f == ClusterState.MilliPerGpu ? 1 : 0;
            }
        }

        return free;
    }

    /// <summary>Ready nodes running no task.</summary>
    public static int FreeNodes(ClusterState cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var free = 0;
        for (var n = 0; n < cluster.NodeCount; n++)
        {
            free += cluster.StateOf(n) == NodeState.Ready && cluster.TaskCount(n) == 0 ? 1 : 0;
        }

        return free;
    }

    private static void FreeGpusByMoves(ConsolidationRequest request, List<ConsolidationMove> moves)
    {
        var cluster = request.Cluster;
        var onGpu = new Dictionary<(int N, int Gpu), List<int>>();
        var movableMilli = new Dictionary<(int N, int Gpu), int>();
        for (var t = 0; t < request.Movable.Count; t++)
        {
            var m = request.Movable[t];
            var g = BatchFeasibility.GpuMilliPerGpu(m.Task);
            foreach (var j in m.Placement.Gpus)
            {
                var key = (m.Placement.Node, j);
                if (!onGpu.TryGetValue(key, out var list))
                {
                    onGpu[key] = list = [];
                }

                list.Add(t);
                movableMilli[key] = movableMilli.GetValueOrDefault(key) + g;
            }
        }

        var donors = new List<(int N, int Gpu)>();
        foreach (var (key, tasks) in onGpu)
        {
            var used = ClusterState.MilliPerGpu - cluster.GpuFreeMilli(key.N, key.Gpu);
            // Only GPUs whose every user is a movable lone share: a whole-GPU task takes a whole GPU wherever it goes.
            if (used > 0 && used == movableMilli[key] && cluster.StateOf(key.N) == NodeState.Ready
                && tasks.All(t => request.Movable[t].Task.Gang is null && request.Movable[t].Placement.Gpus.Count == 1
                    && BatchFeasibility.GpuMilliPerGpu(request.Movable[t].Task) < ClusterState.MilliPerGpu))
            {
                donors.Add(key);
            }
        }

        donors.Sort((a, b) =>
        {
            var c = onGpu[a].Count.CompareTo(onGpu[b].Count);
            c = c != 0 ? c : movableMilli[a].CompareTo(movableMilli[b]);
            c = c != 0 ? c : a.N.CompareTo(b.N);
            return c != 0 ? c : a.Gpu.CompareTo(b.Gpu);
        });
        var closed = new HashSet<(int N, int Gpu)>(); // emptied donors: receive nothing
        var received = new HashSet<(int N, int Gpu)>(); // got a task: never a donor
        var feasibility = new BatchFeasibility(cluster);
        foreach (var donor in donors)
        {
            var tasks = onGpu[donor];
            if (received.Contains(donor) || moves.Count + tasks.Count > request.MaxMoves)
            {
                continue;
            }

            closed.Add(donor);
            var start = moves.Count;
            var ok = true;
            foreach (var t in tasks)
            {
                var m = request.Movable[t];
                var g = BatchFeasibility.GpuMilliPerGpu(m.Task);
                cluster.Release(m.Placement.Node, m.Task, m.Placement.Gpus);
                (int N, int Gpu) best = (-1, -1);
                var bestRoom = int.MaxValue;
                foreach (var n in feasibility.FeasibleNodes(m.Task))
                {
                    var free = cluster.GpuFreeSpan(n);
                    for (var j = 0; j < free.Length; j++)
                    {
                        if (free[j] >= g && free[j] < ClusterState.MilliPerGpu && free[j] - g < bestRoom && !closed.Contains((n, j)))
                        {
                            best = (n, j);
                            bestRoom = free[j] - g;
                        }
                    }
                }

                if (best.N < 0)
                {
                    cluster.Allocate(m.Placement.Node, m.Task, m.Placement.Gpus);
                    ok = false;
                    break;
                }

                var to = new NodePlacement(best.N, GpuSet.Empty.With(best.Gpu));
                cluster.Allocate(to.Node, m.Task, to.Gpus);
                moves.Add(new ConsolidationMove(t, m.Id, m.Placement, to));
            }

            if (!ok)
            {
                Undo(request, moves, start);
                closed.Remove(donor);
                continue;
            }

            for (var k = start; k < moves.Count; k++)
            {
                received.Add((moves[k].To.Node, moves[k].To.Gpus.ToArray()[0]));
            }
        }
    }

    private static void FreeNodesByMoves(ConsolidationRequest request, List<ConsolidationMove> moves)
    {
        var cluster = request.Cluster;
        var onNode = new List<int>[cluster.NodeCount];
        for (var t = 0; t < request.Movable.Count; t++)
        {
            (onNode[request.Movable[t].Placement.Node] ??= []).Add(t);
        }

        var donors = Enumerable.Range(0, cluster.NodeCount)
            .Where(n => onNode[n] is { } tasks && cluster.StateOf(n) == NodeState.Ready && tasks.Count == cluster.TaskCount(n)
                && tasks.All(t => request.Movable[t].Task.Gang is null))
            .OrderBy(n => onNode[n]!.Count).ThenBy(n => cluster.Allocated(n).GpuMilli).ThenBy(n => n)
            .ToList();
        var closed = new HashSet<int>();
        var received = new HashSet<int>();
        var feasibility = new BatchFeasibility(cluster);
        foreach (var donor in donors)
        {
            var tasks = onNode[donor]!;
            if (received.Contains(donor) || moves.Count + tasks.Count > request.MaxMoves)
            {
                continue;
            }

            closed.Add(donor);
            var start = moves.Count;
            var ok = true;
            foreach (var t in tasks)
            {
                var m = request.Movable[t];
                cluster.Release(m.Placement.Node, m.Task, m.Placement.Gpus);
                var best = -1;
                var bestRoom = long.MaxValue;
                foreach (var n in feasibility.FeasibleNodes(m.Task))
                {
                    if (closed.Contains(n) || cluster.TaskCount(n) == 0)
                    {
                        continue;
                    }

                    // Best fit: least GPU left, then least CPU left.
                    var free = cluster.Free(n);
                    var room = free.GpuMilli * 1_000_000_000L + Math.Min(free.CpuMilli, 999_999_999L);
                    if (room < bestRoom)
                    {
                        best = n;
                        bestRoom = room;
                    }
                }

                if (best < 0)
                {
                    cluster.Allocate(m.Placement.Node, m.Task, m.Placement.Gpus);
                    ok = false;
                    break;
                }

                var to = new NodePlacement(best, TightestGpus(cluster, best, m.Task));
                cluster.Allocate(to.Node, m.Task, to.Gpus);
                moves.Add(new ConsolidationMove(t, m.Id, m.Placement, to));
            }

            if (!ok)
            {
                Undo(request, moves, start);
                closed.Remove(donor);
                continue;
            }

            for (var k = start; k < moves.Count; k++)
            {
                received.Add(moves[k].To.Node);
            }
        }
    }

    /// <summary>The GPUs with the least room that fit the task (index order among equals).</summary>
    private static GpuSet TightestGpus(ClusterState cluster, int node, Workloads.TaskRequest task)
    {
        var g = BatchFeasibility.GpuMilliPerGpu(task);
        var count = BatchFeasibility.GpuCountOf(task);
        if (g == 0)
        {
            return GpuSet.Empty;
        }

        var free = cluster.GpuFreeSpan(node).ToArray();
        var order = Enumerable.Range(0, free.Length).Where(j => free[j] >= g).OrderBy(j => free[j]).ThenBy(j => j).Take(count);
        var set = GpuSet.Empty;
        foreach (var j in order)
        {
            set = set.With(j);
        }

        return set;
    }

    private static void Undo(ConsolidationRequest request, List<ConsolidationMove> moves, int start)
    {
        for (var k = moves.Count - 1; k >= start; k--)
        {
            var task = request.Movable[moves[k].Task].Task;
            request.Cluster.Release(moves[k].To.Node, task, moves[k].To.Gpus);
            request.Cluster.Allocate(moves[k].From.Node, task, moves[k].From.Gpus);
        }

        moves.RemoveRange(start, moves.Count - start);
    }
}
