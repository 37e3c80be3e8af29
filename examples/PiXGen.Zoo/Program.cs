System.Console.WriteLine("zoo");
