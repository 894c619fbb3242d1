// The solver tests run one at a time: each CP-SAT solve already uses every core, and parallel solves on a 2-core CI
// machine only make the time limits meaningless.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly)]
