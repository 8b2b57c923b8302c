from exportgate.cli import main

main()
