using System.CommandLine;
using System.Net;
using System.Net.Sockets;

namespace Derecho.Cli;

/// <summary>
/// <c>derecho loopback-sink</c> (hidden): the far end of the benchmark's loopback ceiling. Listens on 127.0.0.1,
/// prints <c>port N</c>, then for each connection either discards everything (counting bytes) or, with
/// <c>--echo</c>, sends every byte back (the round-trip baseline).
/// </summary>
internal static class LoopbackSinkCommand
{
    public static Command Create()
    {
        var echo = new Option<bool>("--echo") { Description = "Send every byte back." };
        var command = new Command("loopback-sink", "The receiving end of the benchmark's raw loopback ceiling.") { echo };
        command.Hidden = true;
        command.SetAction(async (parse, ct) =>
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(16);
            await Console.Out.WriteLineAsync($"port {((IPEndPoint)listener.LocalEndPoint!).Port}");
            var stdinClosed = Task.Run(() => Console.In.ReadToEndAsync(ct), ct);
            while (!stdinClosed.IsCompleted)
            {
                var accept = listener.AcceptAsync(ct).AsTask();
                if (await Task.WhenAny(accept, stdinClosed) != accept)
                {
                    break;
                }
                _ = ServeAsync(await accept, parse.GetValue(echo), ct);
            }
            return 0;
        });
        return command;
    }

    private static async Task ServeAsync(Socket socket, bool echo, CancellationToken ct)
    {
        using (socket)
        {
            socket.NoDelay = true;
            var buffer = new byte[1 << 20];
            try
            {
                int n;
                while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
                {
                    if (echo)
                    {
                        await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, ct);
                    }
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
            }
        }
    }
}
