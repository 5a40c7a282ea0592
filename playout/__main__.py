from playout.cli import main

main()
