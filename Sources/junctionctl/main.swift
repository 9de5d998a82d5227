print("junctionctl")
