namespace Derecho.Cli;

/// <summary>Standard input read line by line on a thread of its own.</summary>
internal static class StandardInput
{
    /// <summary>
    /// Calls <paramref name="onLine"/> for every line (console reads block, and a blocked pool thread starves a
    /// member's event loop on a 2-core machine); the task completes at the end of the input.
    /// </summary>
    public static Task ReadLinesAsync(Action<string> onLine)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            using var input = new StreamReader(Console.OpenStandardInput());
            while (input.ReadLine() is { } line)
            {
                onLine(line);
            }
            done.TrySetResult();
        })
        {
            IsBackground = true,
            Name = "derecho stdin",
        };
        thread.Start();
        return done.Task;
    }
}
